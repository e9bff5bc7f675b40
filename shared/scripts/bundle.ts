/**
 * @module bundle — builds our Socket.IO client the way a mini-program would ship it, and socket.io-client
 * 4.8 the same way, so sizes are measured by a script instead of guessed (SPEC §3 "size budget").
 *
 * Both are bundled by esbuild, minified, target es2017 (the oldest engine the mini-program base libraries
 * still run). Two formats:
 * - `esm`: what a mini-program / uni-app project includes; this is the one that is measured.
 * - `iife`: the same code as one classic script assigning a global, for the bare `node:vm` test (a vm
 *   context runs scripts, not modules).
 *
 * Ours is built with `platform: 'neutral'` (no browser or Node resolution at all — proof that nothing
 * platform-specific is pulled in). socket.io-client cannot be built that way (its Node entry pulls `ws`,
 * `zlib`, `stream`...), so it is built with `platform: 'browser'`, which is also how uni-app's Vite build
 * resolves it for a mini-program.
 *
 * CLI: `npx tsx scripts/bundle.ts [outDir]` (from `shared/`) writes `socketio.esm.js` and
 * `socketio.iife.js` (default `shared/dist/`) and prints the sizes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';
import { build } from 'esbuild';

/** Which client to bundle. */
export type BundleSubject = 'ours' | 'socket.io-client';

/**
 * `esm` is what is measured (and shipped as the package's `index.mjs`); `cjs` the same for `require` and
 * mini-programs (the package's `index.js` and `miniprogram/`); `iife` a classic script for the vm test.
 */
export type BundleFormat = 'esm' | 'cjs' | 'iife';

/** One bundle and its sizes. */
export interface BundleResult {
  readonly subject: BundleSubject;
  readonly format: BundleFormat;
  readonly code: string;
  /** Minified bytes (UTF-8). */
  readonly raw: number;
  /** Minified then gzip -9 bytes (node:zlib level 9). */
  readonly gzip: number;
  /** Minified bytes each source file contributes, largest first (paths relative to the repo root). */
  readonly modules: readonly { readonly path: string; readonly bytes: number }[];
}

/** What to bundle of a subject: by default its whole public surface. */
export interface BundleOptions {
  /**
   * Only these exports of our public index (what an app that imports just them would ship, after
   * tree-shaking). Ignored for socket.io-client, which is always `{ io, Manager, Socket }`.
   */
  readonly exports?: readonly string[];
  /**
   * Bundle our client from this copy of `shared/src` instead of the real one (the size what-if script
   * measures edited copies). The build configuration stays the same.
   */
  readonly sourceDir?: string;
}

/** The global an `iife` bundle assigns its exports to. */
export const IIFE_GLOBAL_NAME = 'SocketIOBundle';

/** The oldest JavaScript the bundles may use (mini-program base libraries still run ES2017 engines). */
export const BUNDLE_TARGET = 'es2017';

const sharedDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = resolve(sharedDir, '..');
const ourEntry = join(sharedDir, 'src', 'socketio', 'index.ts');

/**
 * Bundles one client, minified.
 *
 * @example
 * const { raw, gzip } = await bundleClient('ours', 'esm');
 */
export async function bundleClient(
  subject: BundleSubject,
  format: BundleFormat,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const common: BuildOptions = {
    bundle: true,
    write: false,
    minify: true,
    metafile: true,
    target: BUNDLE_TARGET,
    // CommonJS is the ESM build with its export statement rewritten (see toCommonJs).
    format: format === 'cjs' ? 'esm' : format,
    logLevel: 'silent',
    // Dropping legal comments keeps both sides comparable: socket.io-client carries none worth shipping.
    legalComments: 'none',
    ...(format === 'iife' ? { globalName: IIFE_GLOBAL_NAME } : {}),
  };
  const entry = options.sourceDir ? join(options.sourceDir, 'socketio', 'index.ts') : ourEntry;
  const ours: BuildOptions = options.exports
    ? {
        stdin: {
          contents: `export { ${options.exports.join(', ')} } from ${JSON.stringify(entry)};`,
          resolveDir: sharedDir,
          sourcefile: 'ours-entry.js',
          loader: 'js',
        },
      }
    : { entryPoints: [entry] };
  const buildOptions: BuildOptions =
    subject === 'ours'
      ? {
          ...common,
          ...ours,
          platform: 'neutral',
          // Our private members are `_`-prefixed: shorten them. `_placeholder` is Socket.IO wire format.
          mangleProps: /^_/,
          reserveProps: /^_placeholder$/,
          // Class fields as plain assignments in the constructor, not Object.defineProperty helpers.
          tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
        }
      : {
          ...common,
          // Exactly the surface the issue compares against: `{ io, Manager, Socket }`.
          stdin: {
            contents: "export { io, Manager, Socket } from 'socket.io-client';",
            resolveDir: sharedDir,
            sourcefile: 'socket.io-client-entry.js',
            loader: 'js',
          },
          platform: 'browser',
        };
  const result = await build(buildOptions);
  const file = result.outputFiles?.[0];
  if (!file) throw new Error(`esbuild produced no output for ${subject} (${format})`);
  const inputs = Object.values(result.metafile?.outputs ?? {})[0]?.inputs ?? {};
  const code = format === 'cjs' ? toCommonJs(file.text) : file.text;
  const bytes = Buffer.from(code);
  return {
    subject,
    format,
    code,
    raw: bytes.byteLength,
    gzip: gzipSync(bytes, { level: 9 }).byteLength,
    modules: Object.entries(inputs)
      .map(([path, input]) => ({
        path: relative(repoDir, resolve(process.cwd(), path)),
        bytes: input.bytesInOutput,
      }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/**
 * The ESM bundle as CommonJS: its one closing `export{a as b,…};` becomes `module.exports={b:a,…};`.
 * esbuild's own CommonJS output wraps the same code in ~250 B of interop helpers (`__toCommonJS`,
 * getters per export) that a mini-program would ship for nothing; a bundle has no imports to convert.
 *
 * @example
 * toCommonJs('var a=1;export{a as io};'); // 'var a=1;module.exports={io:a};'
 */
export function toCommonJs(esm: string): string {
  const tail = /export\s*\{([^}]*)\};?\s*$/.exec(esm);
  if (!tail || /^\s*(?:import|export)\b|[;}]\s*(?:import|export)\s*[{*]/m.test(esm.slice(0, tail.index)))
    throw new Error('toCommonJs: expected one export statement at the end and no other import/export');
  const entries = (tail[1] as string)
    .split(',')
    .filter((item) => item.trim())
    .map((item) => {
      const [local, exported = local] = item.trim().split(/\s+as\s+/) as [string, string?];
      return `${exported}:${local}`;
    });
  return `${esm.slice(0, tail.index)}module.exports={${entries.join(',')}};\n`;
}

/** Bytes as `12,345`. */
export function formatBytes(bytes: number): string {
  return bytes.toLocaleString('en-US');
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(sharedDir, 'dist'));
  await mkdir(outDir, { recursive: true });
  const esm = await bundleClient('ours', 'esm');
  const iife = await bundleClient('ours', 'iife');
  const peer = await bundleClient('socket.io-client', 'esm');
  await writeFile(join(outDir, 'socketio.esm.js'), esm.code);
  await writeFile(join(outDir, 'socketio.iife.js'), iife.code);
  const line = (name: string, r: BundleResult): string =>
    `${name.padEnd(34)} ${formatBytes(r.raw).padStart(8)} B min  ${formatBytes(r.gzip).padStart(7)} B min+gz`;
  console.log(line(`${join(outDir, 'socketio.esm.js')}`, esm));
  console.log(line(`${join(outDir, 'socketio.iife.js')}`, iife));
  console.log(line('socket.io-client { io, Manager, Socket }', peer));
  console.log(`ratio (min+gz): ${((esm.gzip / peer.gzip) * 100).toFixed(1)}% of socket.io-client`);
}

// Run only as a script, not when imported by the bench or the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
