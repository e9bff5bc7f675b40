/**
 * @module pack-client — builds the publishable `socket.io-miniprogram` package from `shared/src/socketio/`
 * and packs it (`npm run pack:client` at the root). Decision 0015 says why it is laid out this way.
 *
 * What goes in the package (staged in `<out>/package/`, packed to `<out>/socket.io-miniprogram-<v>.tgz`):
 * - `dist/index.mjs` (ESM, `module` / `exports.import`) and `dist/index.js` (CommonJS, `main` /
 *   `exports.require`): the whole public API, bundled by `bundleClient` — the exact build the size
 *   budget test measures (esbuild, minified, es2017, no dependencies, `_`-private members shortened);
 * - `dist/types/*.d.ts`: declarations of every export, generics included (tsc, `@internal` stripped);
 * - `miniprogram/` (the `miniprogram` field WeChat DevTools' "构建 npm" copies to `miniprogram_npm/<name>/`):
 *   CommonJS files a native mini-program `require`s without a bundler — `index.js` (everything) and one
 *   file per mini-program transport, so an app ships only the transport it uses;
 * - `README.md` (Chinese) and `README.en.md` (English), from `shared/socket.io-miniprogram/`.
 *
 * Alipay and Douyin resolve npm packages by `main` (CommonJS, es2017): the same `dist/index.js`.
 *
 * CLI: `npx tsx scripts/pack-client.ts [outDir]` (from `shared/`; default `shared/socket.io-miniprogram/dist`)
 * prints the shipped sizes, then the tarball's absolute path as its last line.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import ts from 'typescript';
import { BUNDLE_TARGET, bundleClient, formatBytes } from './bundle';

/** The package's name on the registry (free when checked with `npm view` on 2026-12-08). */
export const PACKAGE_NAME = 'socket.io-miniprogram';

const sharedDir = fileURLToPath(new URL('..', import.meta.url));
const packageSourceDir = join(sharedDir, 'socket.io-miniprogram');
const clientEntry = join(sharedDir, 'src', 'socketio', 'index.ts');

/** What every transport entry of `miniprogram/` carries besides its transport. */
const CORE = ['io', 'Manager', 'Socket', 'ClientError'];

/**
 * The `miniprogram/` files. A native mini-program has no bundler to tree-shake, so besides `index.js`
 * (everything) each transport has its own file, and `miniProgramLifecycle` (which needs nothing of the
 * core) one more: `require('socket.io-miniprogram/connect-container')` plus
 * `require('socket.io-miniprogram/lifecycle')` ship what the size table's Cloud Hosting row measures,
 * plus the lifecycle helper. Unused files are left out of the upload by DevTools ("过滤无依赖文件").
 */
export const MINIPROGRAM_ENTRIES: Readonly<Record<string, readonly string[] | undefined>> = {
  index: undefined,
  'connect-container': [...CORE, 'connectContainerTransport'],
  'connect-socket': [...CORE, 'connectSocketTransport'],
  lifecycle: ['miniProgramLifecycle'],
};

/** What an app bundling `dist/index.mjs` ships after tree-shaking, per transport (the size table's rows). */
export const SHAKEN_ROWS: Readonly<Record<string, readonly string[]>> = {
  'H5 / Node: { io, Manager, Socket, webSocketTransport }': ['io', 'Manager', 'Socket', 'webSocketTransport'],
  'Cloud Hosting: { io, Manager, Socket, connectContainerTransport }': [
    'io',
    'Manager',
    'Socket',
    'connectContainerTransport',
  ],
  'connectSocket: { io, Manager, Socket, connectSocketTransport }': [
    'io',
    'Manager',
    'Socket',
    'connectSocketTransport',
  ],
};

/** One shipped (or tree-shaken) file and its sizes. */
export interface SizeRow {
  readonly what: string;
  readonly raw: number;
  readonly gzip: number;
}

/** The result of {@link packClient}. */
export interface PackResult {
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** The staged package directory that was packed. */
  readonly packageDir: string;
  readonly version: string;
  /** The shipped JavaScript files, then the tree-shaken rows. */
  readonly sizes: readonly SizeRow[];
  /** socket.io-client 4.8 `{ io, Manager, Socket }` min+gz, measured in the same run. */
  readonly peerGzip: number;
}

const size = (what: string, code: string | Uint8Array): SizeRow => {
  const bytes = typeof code === 'string' ? Buffer.from(code) : code;
  return { what, raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
};

/** Re-bundles the shipped ESM file with only `exports`, as an app's bundler would (minified, es2017). */
async function shake(shippedEsm: string, exports: readonly string[]): Promise<Uint8Array> {
  const result = await build({
    stdin: {
      contents: `export { ${exports.join(', ')} } from ${JSON.stringify(shippedEsm)};`,
      resolveDir: sharedDir,
      loader: 'js',
    },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: BUNDLE_TARGET,
    platform: 'neutral',
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { contents: Uint8Array }).contents;
}

/** `.d.ts` for every module the public index reaches, `@internal` members left out. */
function emitDeclarations(outDir: string): void {
  const program = ts.createProgram([clientEntry], {
    declaration: true,
    emitDeclarationOnly: true,
    stripInternal: true,
    strict: true,
    target: ts.ScriptTarget.ES2017,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // The sources use only timers beyond ES2022; the declarations mention no DOM type (the package test checks).
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    rootDir: join(sharedDir, 'src', 'socketio'),
    outDir,
  });
  const result = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length || result.emitSkipped) {
    throw new Error(
      `declarations failed:\n${ts.formatDiagnostics(problems, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => sharedDir,
        getNewLine: () => '\n',
      })}`,
    );
  }
}

/** The manifest of the published package (the in-repo one points at TypeScript source instead). */
function manifest(version: string): Record<string, unknown> {
  return {
    name: PACKAGE_NAME,
    version,
    description:
      "Socket.IO v4 client for mini-programs: WeChat Cloud Hosting (wx.cloud.connectContainer, no filed domain), any vendor's connectSocket, WebSocket. 小程序 Socket.IO 客户端，支持微信云托管。",
    keywords: [
      'socket.io',
      'socket.io-client',
      'miniprogram',
      'mini-program',
      'weapp',
      'wechat',
      '微信小程序',
      '小程序',
      'cloud hosting',
      '微信云托管',
      'connectContainer',
      'uni-app',
      'alipay',
      'douyin',
      'websocket',
    ],
    license: 'MIT',
    main: 'dist/index.js',
    module: 'dist/index.mjs',
    types: 'dist/types/index.d.ts',
    miniprogram: 'miniprogram',
    exports: {
      '.': {
        types: './dist/types/index.d.ts',
        import: './dist/index.mjs',
        require: './dist/index.js',
      },
      './package.json': './package.json',
    },
    sideEffects: false,
    files: ['dist', 'miniprogram', 'README.md', 'README.en.md'],
  };
}

/**
 * Builds the package into `<outDir>/package/` and packs it into `outDir`.
 *
 * @example
 * const { tarball } = await packClient('/tmp/out');
 */
export async function packClient(outDir: string): Promise<PackResult> {
  const packageDir = join(outDir, 'package');
  await rm(packageDir, { recursive: true, force: true });
  await mkdir(join(packageDir, 'dist'), { recursive: true });
  await mkdir(join(packageDir, 'miniprogram'), { recursive: true });
  const source = JSON.parse(await readFile(join(packageSourceDir, 'package.json'), 'utf8')) as {
    version: string;
  };

  const sizes: SizeRow[] = [];
  const [esm, cjs, peer] = await Promise.all([
    bundleClient('ours', 'esm'),
    bundleClient('ours', 'cjs'),
    bundleClient('socket.io-client', 'esm'),
  ]);
  const esmPath = join(packageDir, 'dist', 'index.mjs');
  await writeFile(esmPath, esm.code);
  await writeFile(join(packageDir, 'dist', 'index.js'), cjs.code);
  sizes.push(size('dist/index.mjs (ESM, everything)', esm.code), size('dist/index.js (CommonJS)', cjs.code));
  for (const [name, exports] of Object.entries(MINIPROGRAM_ENTRIES)) {
    const bundle = exports ? await bundleClient('ours', 'cjs', { exports }) : cjs;
    await writeFile(join(packageDir, 'miniprogram', `${name}.js`), bundle.code);
    sizes.push(size(`miniprogram/${name}.js`, bundle.code));
  }
  for (const [what, exports] of Object.entries(SHAKEN_ROWS)) {
    sizes.push(size(`dist/index.mjs tree-shaken to ${what}`, await shake(esmPath, exports)));
  }
  emitDeclarations(join(packageDir, 'dist', 'types'));
  await writeFile(join(packageDir, 'package.json'), `${JSON.stringify(manifest(source.version), null, 2)}\n`);
  for (const readme of ['README.md', 'README.en.md']) {
    await copyFile(join(packageSourceDir, readme), join(packageDir, readme));
  }
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], {
      cwd: packageDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ filename: string }>;
  const filename = packed[0]?.filename;
  if (!filename) throw new Error('npm pack named no tarball');
  return {
    tarball: join(outDir, filename),
    packageDir,
    version: source.version,
    sizes,
    peerGzip: peer.gzip,
  };
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(packageSourceDir, 'dist'));
  await mkdir(outDir, { recursive: true });
  const result = await packClient(outDir);
  console.log(`${PACKAGE_NAME}@${result.version}, built in ${relative(process.cwd(), result.packageDir)}`);
  console.log(`socket.io-client 4.8 { io, Manager, Socket }: ${formatBytes(result.peerGzip)} B min+gz`);
  for (const row of result.sizes) {
    const ratio = ((row.gzip / result.peerGzip) * 100).toFixed(1);
    console.log(
      `${formatBytes(row.raw).padStart(7)} B min ${formatBytes(row.gzip).padStart(6)} B min+gz ${ratio.padStart(5)}%  ${row.what}`,
    );
  }
  // The last line is the tarball's path (scripts and the package test read it).
  console.log(result.tarball);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
