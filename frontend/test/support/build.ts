/**
 * Builds the app for a target with the given `VITE_*` configuration, reusing an existing build when no
 * source file changed since (builds take 10–30 s).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// A string, not `new URL()`: under the jsdom environment `URL` is jsdom's, which fileURLToPath rejects.
export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = resolve(FRONTEND_DIR, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Newest source the build depends on: the app and the client it bundles. */
function sourcesMtime(): number {
  return Math.max(
    newestMtime(join(FRONTEND_DIR, 'src')),
    newestMtime(join(REPO_DIR, 'shared', 'src')),
    statSync(join(FRONTEND_DIR, 'vite.config.ts')).mtimeMs,
    statSync(join(FRONTEND_DIR, 'index.html')).mtimeMs,
  );
}

/**
 * Builds `target` into `outDir` with `env` unless an up-to-date build with the same env is there.
 *
 * @example
 * const dir = await buildApp('mp-weixin', join(FRONTEND_DIR, 'dist/test/mp-weixin-cloud'), { VITE_CLOUD_ENV: 'e' });
 */
export async function buildApp(
  target: 'mp-weixin' | 'mp-alipay' | 'h5',
  outDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<string> {
  const stamp = join(outDir, '.build-stamp.json');
  const wanted = JSON.stringify({ target, env });
  if (existsSync(stamp)) {
    const built = statSync(stamp).mtimeMs;
    if (readFileSync(stamp, 'utf8') === wanted && built > sourcesMtime()) return outDir;
  }
  const args = target === 'h5' ? ['build'] : ['build', '-p', target];
  await run(join(REPO_DIR, 'node_modules', '.bin', 'uni'), args, {
    cwd: FRONTEND_DIR,
    env: { ...process.env, ...env, UNI_OUTPUT_DIR: outDir, NODE_ENV: 'production' },
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  writeFileSync(stamp, wanted);
  return outDir;
}
