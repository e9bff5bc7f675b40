/**
 * What can be checked about the container without a Docker engine: every file the Dockerfile copies
 * exists (and is not excluded by .dockerignore), the image's settings match container.config.json, the
 * bundle needs no dev dependency, and the image's CMD starts the bundled server from the image's layout
 * with only the runtime dependencies present — answering /healthz and trusting WeChat headers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from './support/server';

const BACKEND = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BACKEND, '..');

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly stage: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const op = match[1]!;
    const args = match[2]!.trim();
    if (op === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args;
    instructions.push({ op, args, stage });
  }
  return instructions;
}

/** `ENV A=1 B=2` (one or many) into a map. */
function envOf(instructions: readonly Instruction[], stage: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions.filter((i) => i.stage === stage && i.op === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [key, ...value] = pair.split('=');
      if (key) env[key] = value.join('=');
    }
  }
  return env;
}

/** `${NAME}` in a FROM line replaced by the default of the ARG declared before the first FROM. */
function resolveGlobalArgs(instructions: readonly Instruction[], text: string): string {
  const defaults = new Map(
    instructions
      .filter((i) => i.stage === '' && i.op === 'ARG')
      .map((i) => [i.args.split('=')[0]!, i.args.split('=').slice(1).join('=')] as const),
  );
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => defaults.get(name) ?? `\${${name}}`);
}

/** `${NAME}` as written in a Dockerfile (a plain string here, not a template). */
const shellVar = (name: string) => `\${${name}}`;

function copies(instructions: readonly Instruction[]) {
  return instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { stage: i.stage, from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
    });
}

/** The build stage works in /src on a copy of the repository: map its paths back to the checkout. */
function buildPath(path: string): string {
  expect(path.startsWith('/src/'), path).toBe(true);
  return join(ROOT, path.slice('/src/'.length));
}

/** A package and everything it needs at run time (dependencies + installed optional ones). */
function runtimeClosure(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return; // an optional dependency for another platform
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep);
  };
  for (const name of names) visit(name);
  return seen;
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.at(-1)!.stage;
const backendPackage = JSON.parse(readFileSync(join(BACKEND, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

beforeAll(async () => {
  // Exactly what the build stage runs.
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: BACKEND });
}, 120_000);

describe('Dockerfile', () => {
  it('is multi-stage and runs as a non-root user in production mode on port 8080, without file capabilities', () => {
    const stages = dockerfile.filter((i) => i.op === 'FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(resolveGlobalArgs(dockerfile, stages.at(-1)!.args)).toMatch(/^node:20-bookworm-slim AS runtime$/);
    const final = dockerfile.filter((i) => i.stage === finalStage);
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(envOf(dockerfile, finalStage)).toMatchObject({
      NODE_ENV: 'production',
      PORT: '8080',
      AUTH_TRUST_WX_HEADERS: 'true',
    });
    expect(final.find((i) => i.op === 'EXPOSE')?.args).toBe('8080');
    // A file capability (setcap, to bind port 80) would put node in secure-execution mode, where glibc
    // ignores MALLOC_ARENA_MAX and Node ignores NODE_OPTIONS.
    expect(final.some((i) => i.op === 'RUN' && /\bsetcap\b/.test(i.args))).toBe(false);
    const apt = final.find((i) => i.op === 'RUN' && i.args.includes('apt-get install'))?.args ?? '';
    expect(apt).toContain('libpocketsphinx3');
    expect(apt).toContain('pocketsphinx-en-us');
  });

  it('takes its base images and mirrors as build arguments, defaulting to the official ones', () => {
    // Without build arguments it builds from Docker Hub's Node 20 images, as Cloud Hosting does.
    const bases = dockerfile
      .filter((i) => i.op === 'FROM' && !/^build\b/.test(i.args))
      .map((i) => resolveGlobalArgs(dockerfile, i.args).split(/\s+/)[0]);
    expect(bases).toEqual(['node:20-bookworm', 'node:20-bookworm', 'node:20-bookworm-slim']);
    // Every stage that installs from npm does so from NPM_REGISTRY, default npm's own registry.
    for (const stage of ['build', 'deps']) {
      const lines = dockerfile.filter((i) => i.stage === stage);
      expect(lines.find((i) => i.op === 'ARG' && i.args.startsWith('NPM_REGISTRY='))?.args).toBe(
        'NPM_REGISTRY=https://registry.npmjs.org/',
      );
      expect(envOf(dockerfile, stage).npm_config_registry).toBe(shellVar('NPM_REGISTRY'));
    }
    // The runtime's apt uses DEBIAN_MIRROR in place of deb.debian.org, before it updates.
    const runtime = dockerfile.filter((i) => i.stage === finalStage);
    expect(runtime.find((i) => i.op === 'ARG' && i.args.startsWith('DEBIAN_MIRROR='))?.args).toBe(
      'DEBIAN_MIRROR=http://deb.debian.org',
    );
    const apt = runtime.find((i) => i.op === 'RUN' && i.args.includes('apt-get update'))?.args ?? '';
    const mirrored = apt.indexOf(shellVar('DEBIAN_MIRROR%/'));
    expect(mirrored).toBeGreaterThan(-1);
    expect(mirrored).toBeLessThan(apt.indexOf('apt-get update'));
    // No mirror host is written into the file: only the official defaults appear.
    const hosts = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*#/.test(line))
      .flatMap((line) => [...line.matchAll(/https?:\/\/([\w.-]+)/g)].map((m) => m[1]));
    expect(new Set(hosts)).toEqual(new Set(['registry.npmjs.org', 'deb.debian.org']));
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const isIgnored = (path: string) =>
      ignored.some((pattern) => {
        const bare = pattern.replace(/^\*\*\//, '');
        return path === bare || path.startsWith(`${bare}/`) || path.split('/').includes(bare);
      });
    for (const copy of copies(dockerfile).filter((c) => c.from === undefined)) {
      for (const source of copy.sources) {
        expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
        expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
    // What the build stage produces: the bundle (built above), the migrations, the H5 folder (mkdir -p).
    const build = dockerfile.filter((i) => i.stage === 'build' && i.op === 'RUN').map((i) => i.args);
    expect(build.join('\n')).toContain('mkdir -p frontend/dist/build/h5');
    for (const copy of copies(dockerfile).filter((c) => c.from === 'build')) {
      for (const source of copy.sources) {
        if (source === '/src/frontend/dist/build/h5') continue;
        expect(existsSync(buildPath(source)), `COPY --from=build ${source}`).toBe(true);
      }
    }
    expect(existsSync(join(ROOT, 'backend/drizzle/meta/_journal.json'))).toBe(true);
  });

  it('matches container.config.json (port, at least one instance)', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'container.config.json'), 'utf8')) as {
      containerPort: number;
      minNum: number;
      maxNum: number;
      dockerfilePath: string;
    };
    expect(config.containerPort).toBe(Number(envOf(dockerfile, finalStage).PORT));
    expect(config.minNum).toBeGreaterThanOrEqual(1);
    expect(config.maxNum).toBeGreaterThanOrEqual(config.minNum);
    expect(existsSync(join(ROOT, config.dockerfilePath))).toBe(true);
  });
});

describe('the bundled server', () => {
  it('requires nothing but Node built-ins and production (native) dependencies', () => {
    const meta = JSON.parse(readFileSync(join(BACKEND, 'dist/meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const externals = new Set(
      Object.values(meta.outputs)
        .flatMap((output) => output.imports)
        .filter((i) => i.external && !i.path.startsWith('node:'))
        .map((i) => i.path),
    );
    const runtime = JSON.parse(readFileSync(join(BACKEND, 'dist/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // Required inside try/catch, absent is fine: ws's speedups, mysql2's SQL highlighter, node-redis's
    // tracing and hashing (backend/scripts/build.mjs lists the same).
    const optional = new Set([
      'bufferutil',
      'utf-8-validate',
      'cardinal',
      '@node-rs/xxhash',
      '@opentelemetry/api',
    ]);
    const builtins = new Set(builtinModules);
    for (const name of externals) {
      if (optional.has(name) || builtins.has(name) || builtins.has(name.split('/')[0]!)) continue;
      expect(Object.keys(runtime.dependencies), `bundle imports ${name}`).toContain(name);
    }
    for (const [name, version] of Object.entries(runtime.dependencies)) {
      expect(backendPackage.dependencies[name], `${name} is a production dependency`).toBe(version);
      expect(backendPackage.devDependencies[name]).toBeUndefined();
    }
  });

  describe("started with the image's CMD and layout", () => {
    let app: string;
    let child: ChildProcess | undefined;
    let url = '';
    const output: string[] = [];

    beforeAll(async () => {
      // /tmp/…/app mirrors /app: dist/, drizzle/, public/, and node_modules with only the runtime closure.
      app = join(emptyDir(), 'app');
      for (const copy of copies(dockerfile).filter((c) => c.stage === finalStage && c.from === 'build')) {
        const target = join(app, copy.destination.replace(/^\/app\/?|^\.\//, ''));
        for (const source of copy.sources) {
          const from = buildPath(source);
          if (copy.destination.endsWith('/')) {
            mkdirSync(target, { recursive: true });
            cpSync(from, join(target, source.split('/').at(-1)!), { recursive: true });
          } else if (existsSync(from)) cpSync(from, target, { recursive: true });
          else mkdirSync(target, { recursive: true }); // the H5 app may not be built here
        }
      }
      const runtime = JSON.parse(readFileSync(join(app, 'dist/package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      for (const name of runtimeClosure(Object.keys(runtime.dependencies))) {
        cpSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), {
          recursive: true,
          dereference: true,
        });
      }
      // Nothing above the app folder may supply a missing package.
      for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
      }

      const cmd = JSON.parse(
        dockerfile.filter((i) => i.stage === finalStage && i.op === 'CMD').at(-1)!.args,
      ) as string[];
      expect(cmd).toEqual(['node', 'dist/server.mjs']);
      const env = envOf(dockerfile, finalStage);
      child = spawn(process.execPath, cmd.slice(1), {
        cwd: app,
        env: {
          PATH: process.env.PATH ?? '',
          ...env,
          PORT: '0',
          HOST: '127.0.0.1',
          DATABASE_URL: `file:${join(app, 'data', 'voice.db')}`,
          STATIC_DIR: join(app, 'public'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no server.listening line:\n${output.join('')}`)),
          30_000,
        );
        child?.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output.join('')}`)));
        createInterface({ input: child!.stdout! }).on('line', (line) => {
          output.push(line);
          const event = JSON.parse(line) as { event?: string; url?: string };
          if (event.event === 'server.listening' && event.url) {
            clearTimeout(timer);
            resolve(event.url);
          }
        });
      });
    }, 60_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });

    it('serves /healthz with the engine ready and the migrations applied', async () => {
      const health = (await (await fetch(`${url}/healthz`)).json()) as {
        ready: boolean;
        database: { ok: boolean };
      };
      expect(health).toMatchObject({ ready: true, database: { ok: true } });
    });

    it('trusts WeChat headers and refuses anonymous callers, as configured for Cloud Hosting', async () => {
      const wx = await fetch(`${url}/api/history`, { headers: { 'x-wx-openid': 'o-container' } });
      expect(wx.status).toBe(200);
      expect(await wx.json()).toEqual({ records: [], nextCursor: null });
      const anonymous = await fetch(`${url}/api/history`);
      expect(anonymous.status).toBe(401);
    });

    it('logs one JSON object per line and exits cleanly on SIGTERM', async () => {
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
      child?.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = output.filter((line) => line.startsWith('{'));
      expect(lines.length).toBeGreaterThan(2);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    });
  });
});
