/**
 * @module native-mini-program (test support) — a native WeChat mini-program project as DevTools treats it,
 * without DevTools: "构建 npm" and the mini-program module system, over the bare `vm` context of
 * `shared/test/support/bundle.ts` (no `Function`, no `window`, no `require` of Node's).
 *
 * "构建 npm", as WeChat documents it (developers.weixin.qq.com, 小程序 npm 支持): for each
 * `packNpmRelationList` entry of `project.config.json` (or the `package.json` in `miniprogramRoot` when
 * `packNpmManually` is off), every package in that `package.json`'s `dependencies` is taken from the
 * `node_modules` beside it. A package with a `miniprogram` field (default dir `miniprogram_dist`) is a
 * "mini-program npm package": every file of that directory is copied to
 * `<miniprogramNpmDistDir>/miniprogram_npm/<name>/`. Other packages are bundled by DevTools from their
 * `main` into `miniprogram_npm/<name>/index.js` — not emulated here (this package has the field; a
 * package without one makes {@link buildNpm} throw, so the test cannot pass on the wrong path).
 *
 * Module resolution at run time: `require('./x')` / `require('../x')` relative to the requiring file
 * (`.js` added); a bare `require('name')` / `require('name/sub')` looks for `miniprogram_npm/name/index.js`
 * / `miniprogram_npm/name/sub.js`, from the requiring file's directory up to the mini-program root. Each
 * file runs once, wrapped as `function (require, module, exports)`, as WeChat's `define()` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import type { MiniProgramContext } from '../../../shared/test/support/bundle';

interface ProjectConfig {
  miniprogramRoot?: string;
  setting?: {
    packNpmManually?: boolean;
    packNpmRelationList?: Array<{ packageJsonPath: string; miniprogramNpmDistDir: string }>;
  };
}

/** What "构建 npm" did: one line per package copied. */
export interface NpmBuild {
  readonly packages: ReadonlyArray<{ name: string; from: string; to: string; files: readonly string[] }>;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else out.push(relative(base, path));
  }
  return out.sort();
}

/**
 * Runs "构建 npm" for a project directory (the one holding `project.config.json`).
 *
 * @example
 * const build = await buildNpm('/tmp/project');
 */
export async function buildNpm(projectDir: string): Promise<NpmBuild> {
  const config = JSON.parse(await readFile(join(projectDir, 'project.config.json'), 'utf8')) as ProjectConfig;
  const root = join(projectDir, config.miniprogramRoot ?? '');
  const relations = config.setting?.packNpmManually
    ? (config.setting.packNpmRelationList ?? [])
    : [
        {
          packageJsonPath: join(relative(projectDir, root), 'package.json'),
          miniprogramNpmDistDir: relative(projectDir, root),
        },
      ];
  const packages: Array<NpmBuild['packages'][number]> = [];
  for (const relation of relations) {
    const packageJson = join(projectDir, relation.packageJsonPath);
    const { dependencies = {} } = JSON.parse(await readFile(packageJson, 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(dependencies)) {
      const packageDir = join(dirname(packageJson), 'node_modules', name);
      const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
        miniprogram?: string;
      };
      const from = join(packageDir, manifest.miniprogram ?? 'miniprogram_dist');
      if (!existsSync(from) || !(await stat(from)).isDirectory()) {
        throw new Error(`${name}: no mini-program directory (${manifest.miniprogram ?? 'miniprogram_dist'})`);
      }
      const to = join(projectDir, relation.miniprogramNpmDistDir, 'miniprogram_npm', name);
      await mkdir(to, { recursive: true });
      await cp(from, to, { recursive: true });
      packages.push({ name, from, to, files: await listFiles(to) });
    }
  }
  return { packages };
}

/** The mini-program's module system inside a vm context. */
export interface ModuleSystem {
  /** Runs (once) and returns the exports of a file given relative to the mini-program root. */
  load(path: string): unknown;
  /** Every file that ran, relative to the mini-program root (what the app really uses). */
  readonly loaded: readonly string[];
}

/**
 * The mini-program module system for the files under `root`, running in `mp`.
 *
 * @example
 * const modules = createModuleSystem(mp, '/tmp/project/miniprogram');
 * modules.load('app.js');
 */
export function createModuleSystem(mp: MiniProgramContext, root: string): ModuleSystem {
  const cache = new Map<string, { exports: unknown }>();
  const loaded: string[] = [];
  const rootDir = resolve(root);

  const resolveFrom = (fromDir: string, request: string): string => {
    const withJs = (path: string) => (path.endsWith('.js') ? path : `${path}.js`);
    if (request.startsWith('./') || request.startsWith('../')) {
      const path = withJs(normalize(join(fromDir, request)));
      if (existsSync(path)) return path;
      throw new Error(`module "${request}" not found from ${relative(rootDir, fromDir) || '.'}`);
    }
    const [scopeOrName, ...rest] = request.split('/');
    const name = scopeOrName?.startsWith('@') ? `${scopeOrName}/${rest.shift()}` : (scopeOrName as string);
    const sub = rest.length ? rest.join('/') : 'index';
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const path = withJs(join(dir, 'miniprogram_npm', name, sub));
      if (existsSync(path)) return path;
      if (dir === rootDir || !dir.startsWith(rootDir + sep)) break;
    }
    throw new Error(
      `module "${request}" is not defined (no miniprogram_npm/${name}/${sub}.js: run 构建 npm)`,
    );
  };

  const run = (file: string): unknown => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    loaded.push(relative(rootDir, file));
    const code = readFileSync(file, 'utf8');
    // The wrapper is compiled by the host (as WeChat's packager does), not by code in the context.
    const factory = mp.run(`(function (require, module, exports) {${code}\n})`, file) as (
      require: (request: string) => unknown,
      module: { exports: unknown },
      exports: unknown,
    ) => void;
    factory((request) => run(resolveFrom(dirname(file), request)), module, module.exports);
    return module.exports;
  };

  return {
    load: (path) => run(join(rootDir, path)),
    loaded,
  };
}
