/**
 * @module size-what-if — what the mini-program bundles would weigh without features the issue requires,
 * measured instead of estimated (decision 0013).
 *
 * Each variant copies `shared/src` to a temporary directory, cuts features out of the copy with exact
 * source edits, and bundles it with `bundleClient` — the same esbuild configuration the bench and the
 * budget test use. The real sources are never touched. The cut copies are not working clients (nothing
 * type-checks them); they only say how many bytes a feature costs.
 *
 * This is an analysis tool tied to today's sources: when an edit no longer matches, it stops and names
 * the edit (update the pattern, or delete the script once the size budget is decided).
 *
 * CLI (from `shared/`): `npx tsx scripts/size-what-if.ts`
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleClient, formatBytes } from './bundle';

interface Edit {
  /** Path under `src/socketio/`. */
  readonly file: string;
  readonly find: string | RegExp;
  readonly replace: string;
}

interface Cut {
  readonly name: string;
  readonly edits: () => Promise<readonly Edit[]>;
}

const sourceDir = fileURLToPath(new URL('../src', import.meta.url));

/** A class method (2-space indented, closing brace alone on its line), with its doc comment if any. */
const method = (file: string, name: string): Edit => ({
  file,
  find: new RegExp(
    `\\n(?:  /\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\n)?  (?:private )?(?:get )?${name}\\([\\s\\S]*?\\n  \\}\\n`,
  ),
  replace: '\n',
});

const CUTS: readonly Cut[] = [
  {
    name: '`retries` (at-least-once queue)',
    edits: async () => [
      {
        file: 'socket.ts',
        find: /if \(this\._opts\.retries > 0 && [^\n]*\n[^\n]*\n\s*return this;\n\s*\}\n/,
        replace: '',
      },
      { file: 'socket.ts', find: 'this._drainQueue(true);', replace: '' },
      method('socket.ts', '_addToQueue'),
      method('socket.ts', '_drainQueue'),
    ],
  },
  {
    name: 'lifecycle reaction (reconnect at once on foreground / network)',
    edits: async () => [
      { file: 'manager.ts', find: 'this._subscribeLifecycle();', replace: '' },
      { file: 'manager.ts', find: 'if (this._lifecycleOff) this._lifecycleOff();', replace: '' },
      {
        file: 'manager.ts',
        find: /const now = this\._returnedWhileOpening;[\s\S]*?if \(now\) this\._backoff\.reset\(\);/,
        replace: 'const now = false;',
      },
      { file: 'manager.ts', find: /\n\s*this\._returnedWhileOpening = false;/, replace: '' },
      method('manager.ts', '_subscribeLifecycle'),
      method('manager.ts', '_onLifecycleReturn'),
    ],
  },
  {
    name: '`onAny` / `onAnyOutgoing` and their siblings',
    edits: async () => [
      ...[
        'onAny',
        'prependAny',
        'offAny',
        'listenersAny',
        'onAnyOutgoing',
        'prependAnyOutgoing',
        'offAnyOutgoing',
        'listenersAnyOutgoing',
      ].map((name) => method('socket.ts', name)),
      { file: 'socket.ts', find: 'callAll(this._anyOut, packet.data as unknown[], this);', replace: '' },
      { file: 'socket.ts', find: 'callAll(this._anyIn, args, this);', replace: '' },
    ],
  },
  {
    name: 'every error text (codes only)',
    edits: async () => {
      const files = await listSources();
      const texts: Edit[] = [];
      for (const file of files) {
        const source = await readFile(join(sourceDir, 'socketio', file), 'utf8');
        if (/new ClientError\(/.test(source)) {
          texts.push({
            file,
            find: /new ClientError\(\s*('[A-Z_]+'|code|E),\s*(`[^`]*`|'[^']*'|message|text)/g,
            replace: "new ClientError($1, ''",
          });
        }
      }
      return texts;
    },
  },
  {
    name: '`debug` logging',
    edits: async () => [
      {
        file: 'debug.ts',
        find: /export function createLogger\(([\s\S]*?)\): Logger \{[\s\S]*?\n\}\n/,
        replace: 'export function createLogger($1): Logger {\n  return undefined as unknown as Logger;\n}\n',
      },
    ],
  },
  {
    name: 'actionable connectContainer errors (platform text only)',
    edits: async () => [
      {
        file: 'transports/connect-container.ts',
        find: /export function containerError\(failure: unknown, service: string, env\?: string\): ClientError \{[\s\S]*?\n\}\n/,
        replace:
          "export function containerError(failure: unknown, service: string, env?: string): ClientError {\n  return new ClientError('TRANSPORT_ERROR', platformMessage(failure), failure);\n}\n",
      },
    ],
  },
];

/** Rows: the sources as they are, each cut alone, then the cuts accumulated in order. */
const VARIANTS: ReadonlyArray<{ readonly label: string; readonly cuts: readonly Cut[] }> = [
  { label: 'as shipped', cuts: [] },
  ...CUTS.map((cut) => ({ label: `without ${cut.name}`, cuts: [cut] })),
  ...CUTS.slice(1).map((_, index) => ({
    label: `without the first ${index + 2} together`,
    cuts: CUTS.slice(0, index + 2),
  })),
];

const TRANSPORTS = ['connectContainerTransport', 'connectSocketTransport', 'webSocketTransport'] as const;

async function listSources(): Promise<string[]> {
  const entries = await readdir(join(sourceDir, 'socketio'), { recursive: true });
  return entries.filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
}

async function applyEdit(copyDir: string, edit: Edit): Promise<void> {
  const path = join(copyDir, 'socketio', edit.file);
  const before = await readFile(path, 'utf8');
  const after = before.replace(edit.find, edit.replace);
  if (after === before) {
    throw new Error(
      `size-what-if: the edit ${String(edit.find).slice(0, 80)} no longer matches ${edit.file}`,
    );
  }
  await writeFile(path, after);
}

async function measure(cuts: readonly Cut[]): Promise<number[]> {
  const copyDir = await mkdtemp(join(tmpdir(), 'size-what-if-'));
  try {
    await cp(sourceDir, copyDir, { recursive: true });
    for (const cut of cuts) for (const edit of await cut.edits()) await applyEdit(copyDir, edit);
    const sizes: number[] = [];
    for (const transport of TRANSPORTS) {
      const result = await bundleClient('ours', 'esm', {
        exports: ['io', 'Manager', 'Socket', transport],
        sourceDir: copyDir,
      });
      sizes.push(result.gzip);
    }
    return sizes;
  } finally {
    await rm(copyDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const peer = await bundleClient('socket.io-client', 'esm');
  const budget = Math.floor(peer.gzip / 2);
  console.log(
    `socket.io-client { io, Manager, Socket }: ${formatBytes(peer.gzip)} B min+gz; 50% = ${formatBytes(budget)} B`,
  );
  console.log(`| variant | ${TRANSPORTS.map((t) => `{ io, Manager, Socket, ${t} }`).join(' | ')} |`);
  console.log(`|---|${TRANSPORTS.map(() => '---').join('|')}|`);
  for (const variant of VARIANTS) {
    const sizes = await measure(variant.cuts);
    const cells = sizes.map(
      (gzip) =>
        `${formatBytes(gzip)} B (${((gzip / peer.gzip) * 100).toFixed(1)}%${gzip <= budget ? ', within 50%' : ''})`,
    );
    console.log(`| ${variant.label} | ${cells.join(' | ')} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
