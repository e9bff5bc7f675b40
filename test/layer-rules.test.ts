/**
 * @module layer-rules.test — the layer rules of docs/architecture.md, proven to reject what they forbid.
 *
 * The rules are Biome `noRestrictedImports` / `noRestrictedGlobals` overrides in `biome.json` (backend,
 * shared) and `frontend/biome.json` (the app), so `npm run lint` — the first step of `npm test` — fails on a
 * violation. This test copies both config files into a temporary tree, puts one small file per case at the
 * path the rule is about, runs Biome once over it and checks each case: a violating file gets exactly the
 * diagnostics expected, an allowed one none. The repository's own files are never touched.
 *
 * The last rule is the compiler's: the client type-checks with no Node, DOM or mini-program types
 * (`shared/tsconfig.client.json`), proven the same way with `tsc` on a probe file.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

type Rule = 'noRestrictedImports' | 'noRestrictedGlobals';

interface Case {
  readonly name: string;
  /** Where the file sits (the rule depends on it). */
  readonly path: string;
  readonly source: string;
  /** The diagnostics expected, one per offending import or global; empty = the file is allowed. */
  readonly expected: readonly Rule[];
}

const imports = (n: number): Rule[] => Array.from({ length: n }, () => 'noRestrictedImports');
const globals = (n: number): Rule[] => Array.from({ length: n }, () => 'noRestrictedGlobals');

/** Every platform global the rules name. */
const PLATFORM_GLOBALS = ['uni', 'wx', 'my', 'tt', 'swan', 'qq', 'window', 'document', 'navigator'];
const useEveryGlobal = `${PLATFORM_GLOBALS.map((g, i) => `const g${i} = ${g};`).join('\n')}\nexport const all = [${PLATFORM_GLOBALS.map((_, i) => `g${i}`).join(', ')}];\n`;

const cases: readonly Case[] = [
  // frontend: stores never reach composables, the socket or the platform
  {
    name: 'a store importing a composable (even a type)',
    path: 'frontend/src/stores/c1.ts',
    source:
      "import type { SocketStatus } from '../composables/useSocketIO';\nexport type S = SocketStatus;\n",
    expected: imports(1),
  },
  {
    name: 'a store importing the Socket.IO client',
    path: 'frontend/src/stores/c2.ts',
    source: "import { io } from '@realtime-voice/shared/socketio';\nexport const x = io;\n",
    expected: imports(1),
  },
  {
    name: 'a store importing the platform (types or implementation)',
    path: 'frontend/src/stores/c3.ts',
    source:
      "import type { Platform } from '../platform/types';\nimport { createPlatform } from '../platform';\nexport const x: Platform = createPlatform();\n",
    expected: imports(2),
  },
  {
    name: 'a store importing the page or a component',
    path: 'frontend/src/stores/c4.ts',
    source:
      "import Page from '../pages/index/index.vue';\nimport B from '../components/RecordButton.vue';\nexport const x = [Page, B];\n",
    expected: imports(2),
  },
  {
    name: 'a store using the API layer, errors and the voice contract (allowed)',
    path: 'frontend/src/stores/ok.ts',
    source:
      "import type { TranscriptRecord } from '@realtime-voice/shared/voice';\nimport type { VoiceApi } from '../api';\nimport { describeError } from './errors';\nexport type X = [TranscriptRecord, VoiceApi, typeof describeError];\n",
    expected: [],
  },
  {
    name: 'a store calling a platform global',
    path: 'frontend/src/stores/c5.ts',
    source: "uni.request({ url: '/api' });\n",
    expected: globals(1),
  },
  // frontend: composables receive the platform, never pick or import an implementation
  {
    name: 'a composable importing a platform implementation',
    path: 'frontend/src/composables/c1.ts',
    source:
      "import { createPlatform } from '../platform';\nimport { createWeixinPlatform } from '../platform/mp-weixin';\nexport const x = [createPlatform, createWeixinPlatform];\n",
    expected: imports(2),
  },
  {
    name: 'a composable importing the page or a component',
    path: 'frontend/src/composables/c2.ts',
    source:
      "import Page from '../pages/index/index.vue';\nimport B from '../components/RecordButton.vue';\nexport const x = [Page, B];\n",
    expected: imports(2),
  },
  {
    name: 'a composable importing platform types, stores and the client (allowed)',
    path: 'frontend/src/composables/ok.ts',
    source:
      "import type { Platform } from '../platform/types';\nimport { useHistoryStore } from '../stores/history';\nimport { io } from '@realtime-voice/shared/socketio';\nexport const x = [io, useHistoryStore] as const;\nexport type P = Platform;\n",
    expected: [],
  },
  {
    name: 'a composable using every platform global',
    path: 'frontend/src/composables/c3.ts',
    source: useEveryGlobal,
    expected: globals(PLATFORM_GLOBALS.length),
  },
  // frontend: the API layer sits below stores and composables and takes HTTP from platform/types only
  {
    name: 'the API layer importing a store, a composable or a platform implementation',
    path: 'frontend/src/api/c1.ts',
    source:
      "import { useHistoryStore } from '../stores/history';\nimport { useVoiceApp } from '../composables/useVoiceApp';\nimport { createH5Platform } from '../platform/h5';\nexport const x = [useHistoryStore, useVoiceApp, createH5Platform];\n",
    expected: imports(3),
  },
  {
    name: 'the API layer importing the platform HTTP types (allowed)',
    path: 'frontend/src/api/ok.ts',
    source: "import type { HttpClient } from '../platform/types';\nexport type H = HttpClient;\n",
    expected: [],
  },
  // frontend: the platform is the floor; it alone may use the globals
  {
    name: 'the platform importing a store, the API or a composable',
    path: 'frontend/src/platform/c1.ts',
    source:
      "import { useStatsStore } from '../stores/stats';\nimport { createVoiceApi } from '../api';\nimport { useRecorder } from '../composables/useRecorder';\nexport const x = [useStatsStore, createVoiceApi, useRecorder];\n",
    expected: imports(3),
  },
  {
    name: 'the platform using every platform global (allowed)',
    path: 'frontend/src/platform/ok.ts',
    source: useEveryGlobal,
    expected: [],
  },
  // frontend: leaves, components, the page
  {
    name: 'utils, locale and config importing anything of the app',
    path: 'frontend/src/utils/c1.ts',
    source:
      "import { createVoiceApi } from '../api';\nimport type { Platform } from '../platform/types';\nexport const x = createVoiceApi;\nexport type P = Platform;\n",
    expected: imports(2),
  },
  {
    name: 'a component importing the platform or the socket',
    path: 'frontend/src/components/c1.ts',
    source:
      "import type { Platform } from '../platform/types';\nimport { io } from '@realtime-voice/shared/socketio';\nexport const x = io;\nexport type P = Platform;\n",
    expected: imports(2),
  },
  {
    name: 'the page picking a platform (main.ts does, and provides it)',
    path: 'frontend/src/pages/index/c1.vue',
    source:
      '<script setup lang="ts">\nimport { createPlatform } from \'../../platform\';\ncreatePlatform();\n</script>\n',
    expected: imports(1),
  },
  // shared: the client knows no voice events, no backend, no app, no Node, no platform globals
  {
    name: 'the client importing the voice contract',
    path: 'shared/src/socketio/c1.ts',
    source:
      "import type { VoiceServerToClientEvents } from '../voice';\nimport type { StartOptions } from '@realtime-voice/shared/voice';\nexport type X = [VoiceServerToClientEvents, StartOptions];\n",
    expected: imports(2),
  },
  {
    name: 'the client importing the backend, the app or Node',
    path: 'shared/src/socketio/c2.ts',
    source:
      "import { createServer } from '../../../backend/src/server';\nimport { config } from '@realtime-voice/frontend/src/config';\nimport { Buffer } from 'node:buffer';\nexport const x = [createServer, config, Buffer];\n",
    expected: imports(3),
  },
  {
    name: 'the client core using every platform global',
    path: 'shared/src/socketio/c3.ts',
    source: useEveryGlobal,
    expected: globals(PLATFORM_GLOBALS.length),
  },
  {
    name: 'a transport adapter using every platform global (allowed: adapters receive them)',
    path: 'shared/src/socketio/transports/ok.ts',
    source: useEveryGlobal,
    expected: [],
  },
  {
    name: 'the voice contract importing the backend',
    path: 'shared/src/voice/c1.ts',
    source: "import { createServer } from '../../../backend/src/server';\nexport const x = createServer;\n",
    expected: imports(1),
  },
  // backend: services know no HTTP or Socket.IO; lower floors know no services
  {
    name: 'a service importing Hono, Socket.IO or the HTTP and socket layers',
    path: 'backend/src/services/c1.ts',
    source: [
      "import { Hono } from 'hono';",
      "import type { Context } from 'hono';",
      "import { serve } from '@hono/node-server';",
      "import type { Server } from 'socket.io';",
      "import { createAdapter } from '@socket.io/redis-streams-adapter';",
      "import { createApp } from '../http/app';",
      "import { attachVoiceNamespace } from '../socket/voice-namespace';",
      'export const x = [Hono, serve, createAdapter, createApp, attachVoiceNamespace];',
      'export type Y = [Context, Server];',
      '',
    ].join('\n'),
    expected: imports(7),
  },
  {
    name: 'a service signing tokens with hono/jwt and using the repository (allowed)',
    path: 'backend/src/services/ok.ts',
    source:
      "import { sign } from 'hono/jwt';\nimport type { TranscriptRepository } from '../db/transcript-repository';\nexport const x = sign;\nexport type R = TranscriptRepository;\n",
    expected: [],
  },
  {
    name: 'db, speech and audio importing services, HTTP or Socket.IO',
    path: 'backend/src/db/c1.ts',
    source:
      "import { HistoryService } from '../services/history';\nimport { Hono } from 'hono';\nimport { Server } from 'socket.io';\nexport const x = [HistoryService, Hono, Server];\n",
    expected: imports(3),
  },
  {
    name: 'a voice service (services/voice/) importing Socket.IO or the socket layer',
    path: 'backend/src/services/voice/c1.ts',
    source:
      "import type { Socket } from 'socket.io';\nimport { attachVoiceNamespace } from '../../socket/voice-namespace';\nexport const x = attachVoiceNamespace;\nexport type S = Socket;\n",
    expected: imports(2),
  },
  {
    name: 'a dialect folder (db/sqlite/, db/mysql/) importing a service',
    path: 'backend/src/db/mysql/c1.ts',
    source:
      "import { createHistoryService } from '../../services/history';\nexport const x = createHistoryService;\n",
    expected: imports(1),
  },
  {
    name: 'an engine importing the socket layer',
    path: 'backend/src/speech/c1.ts',
    source:
      "import { attachVoiceNamespace } from '../socket/voice-namespace';\nexport const x = attachVoiceNamespace;\n",
    expected: imports(1),
  },
  {
    name: 'the audio stage importing a route',
    path: 'backend/src/audio/c1.ts',
    source:
      "import { recognizeRoutes } from '../http/routes/recognize';\nexport const x = recognizeRoutes;\n",
    expected: imports(1),
  },
];

interface Diagnostic {
  readonly category: string;
  readonly location: { readonly path: string };
}

let dir: string;
let found: Map<string, Rule[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layer-rules-'));
  await mkdir(join(dir, 'frontend'), { recursive: true });
  await copyFile(join(root, 'biome.json'), join(dir, 'biome.json'));
  await copyFile(join(root, 'frontend/biome.json'), join(dir, 'frontend/biome.json'));
  for (const c of cases) {
    await mkdir(dirname(join(dir, c.path)), { recursive: true });
    await writeFile(join(dir, c.path), c.source);
  }
  // One Biome run over all cases; it exits non-zero because some cases violate, which is the point.
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [biome, 'lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', '.'],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
      (err, out, stderr) => (out ? resolve(out) : reject(err ?? new Error(stderr))),
    );
  });
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
  found = new Map();
  for (const d of report.diagnostics) {
    const rule = d.category.replace('lint/style/', '');
    if (rule !== 'noRestrictedImports' && rule !== 'noRestrictedGlobals') continue;
    const path = d.location.path.replace(/\\/g, '/');
    found.set(path, [...(found.get(path) ?? []), rule]);
  }
}, 30_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('layer rules (biome.json, frontend/biome.json)', () => {
  it.each(cases)('$name', (c) => {
    expect(found.get(c.path) ?? []).toEqual(c.expected);
  });
});

// The client compiles with no Node, DOM or mini-program types (shared/tsconfig.client.json): a use of any
// of them fails `npm run typecheck -w @realtime-voice/shared`.
describe('the client is platform-free (shared/tsconfig.client.json)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

  /** Type-checks `source` as a file of the client, with exactly the client's compiler options. */
  async function typecheckAsClient(source: string): Promise<string> {
    const probeDir = await mkdtemp(join(tmpdir(), 'client-types-'));
    try {
      await writeFile(join(probeDir, 'probe.ts'), source);
      await writeFile(
        join(probeDir, 'tsconfig.json'),
        JSON.stringify({
          extends: join(root, 'shared/tsconfig.client.json'),
          include: [],
          files: [join(probeDir, 'probe.ts'), join(root, 'shared/types/client-host.d.ts')],
        }),
      );
      return await new Promise<string>((resolve) => {
        execFile(process.execPath, [tsc, '-p', probeDir], (_err, out) => resolve(out));
      });
    } finally {
      await rm(probeDir, { recursive: true, force: true });
    }
  }

  it('rejects Node, DOM and mini-program globals', async () => {
    const out = await typecheckAsClient(
      [
        "export const a = Buffer.from('x');",
        'export const b = window.location;',
        "export const c = new TextEncoder().encode('x');",
        'export const d = wx.connectSocket;',
        'export const e = process.env;',
        '',
      ].join('\n'),
    );
    for (const name of ['Buffer', 'window', 'TextEncoder', 'wx', 'process']) {
      expect(out).toContain(`Cannot find name '${name}'`);
    }
  }, 30_000);

  it('accepts ECMAScript 2017, timers and the debug console', async () => {
    const out = await typecheckAsClient(
      [
        'const t = setTimeout(() => undefined, 1);',
        'clearTimeout(t);',
        "console.warn('x', Object.entries({ a: 1 }), new Uint8Array(2).buffer, Promise.resolve(1));",
        'export {};',
        '',
      ].join('\n'),
    );
    expect(out).toBe('');
  }, 30_000);
});

// Composables (and the page) change stores only through the stores' actions: no `store.field = value`.
describe('stores change only through their actions', () => {
  /** `name.field = …` (also `+=`, `++`) where `name` holds a pinia store (`const name = useXStore()`). */
  function storeWrites(source: string): string[] {
    const stores = [...source.matchAll(/\b(?:const|let)\s+(\w+)\s*=\s*use\w+Store\(\)/g)].map((m) => m[1]);
    const writes: string[] = [];
    for (const name of stores) {
      const write = new RegExp(`\\b${name}\\.(\\w+)\\s*(?:[-+*/]?=(?!=)|\\+\\+|--)`, 'g');
      for (const m of source.matchAll(write)) writes.push(`${name}.${m[1]}`);
    }
    return writes;
  }

  it('finds a direct write (the check itself)', () => {
    const violating = [
      'const transcript = useTranscriptStore();',
      'transcript.live = false;',
      'transcript.results.length === 0;',
      'const history = useHistoryStore();',
      'history.pageSize += 1;',
      'if (history.loaded == true) history.refresh();',
    ].join('\n');
    expect(storeWrites(violating)).toEqual(['transcript.live', 'history.pageSize']);
  });

  it('holds for every composable and the page', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const files = [
      ...(await readdir(join(root, 'frontend/src/composables')))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => join(root, 'frontend/src/composables', f)),
      join(root, 'frontend/src/pages/index/index.vue'),
    ];
    const found: string[] = [];
    for (const file of files) {
      for (const write of storeWrites(await readFile(file, 'utf8'))) found.push(`${file}: ${write}`);
    }
    expect(found).toEqual([]);
  });
});
