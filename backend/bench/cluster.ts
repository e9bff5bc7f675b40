/**
 * @module cluster — what one instance holds and what several cost, for `npm run bench` (section "cluster"):
 *
 * 1. idle sockets: one server (`server-child.ts`, its own process, SQLite temp file, anonymous auth) and up
 *    to 2,000 idle Socket.IO connections of our client (namespace joined, nothing sent), opened in steps;
 *    after each step the server's VmRSS from `/proc/<pid>/status` → memory per socket
 *    = (RSS − RSS before the first socket) / sockets. Connect time of each step is reported too.
 * 2. cross-instance broadcast: a real `redis-server` and two servers with `REDIS_URL` (the Streams
 *    adapter), a watcher socket of the same user on each. A short flite WAV is uploaded to instance A
 *    (`POST /api/recognize`), whose stored record is announced as `history:new` to the user's room: the
 *    watcher on A gets it through A, the watcher on B through Redis. Extra latency of another instance =
 *    arrival on B − arrival on A (both on this process's clock).
 *
 * Both are bounded (sockets ≤ 2,000, samples ≤ 40, each part by a time budget).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from '@realtime-voice/shared/socketio';
import { startRedis } from '../test/support/global-services';
import { synthesizeSpeech } from '../test/support/speech-audio';
import {
  type ServerChild as Child,
  connectVoiceClient,
  rssBytes,
  startServerChild as startChild,
} from './server-process';
import { median, percentile, worst } from './stats';

const MiB = 1024 * 1024;

const connect = (url: string) => connectVoiceClient(url);

/** Lets the server's allocations settle before reading RSS (no event marks "settled"). */
const settle = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface IdleSocketsRow {
  readonly sockets: number;
  readonly rssMiB: number;
  readonly perSocketKiB: number;
  /** Wall time to open this step's sockets (100 at a time). */
  readonly connectMs: number;
}

export interface IdleSocketsResult {
  readonly rows: readonly IdleSocketsRow[];
  readonly idleRssMiB: number;
  readonly machine: string;
}

/**
 * @example
 * const { rows } = await runIdleSockets({ steps: [500, 1000, 2000], budgetMs: 40_000 });
 */
export async function runIdleSockets(options: {
  readonly steps?: readonly number[];
  readonly budgetMs?: number;
  readonly log?: (line: string) => void;
}): Promise<IdleSocketsResult> {
  const steps = (options.steps ?? [250, 500, 1000, 2000]).filter((n) => n > 0 && n <= 2000);
  const deadline = Date.now() + (options.budgetMs ?? 40_000);
  const dir = await mkdtemp(join(tmpdir(), 'rv-bench-idle-'));
  const child = await startChild({ DATABASE_URL: `file:${join(dir, 'voice.db')}` });
  const sockets: Socket[] = [];
  const rows: IdleSocketsRow[] = [];
  try {
    await settle(1000);
    const idle = rssBytes(child.pid);
    for (const step of steps) {
      if (Date.now() > deadline) break;
      const began = performance.now();
      while (sockets.length < step && Date.now() < deadline) {
        const batch = Math.min(100, step - sockets.length);
        sockets.push(...(await Promise.all(Array.from({ length: batch }, () => connect(child.url)))));
      }
      const connectMs = performance.now() - began;
      await settle(1000);
      const rss = rssBytes(child.pid);
      rows.push({
        sockets: sockets.length,
        rssMiB: rss / MiB,
        perSocketKiB: (rss - idle) / 1024 / sockets.length,
        connectMs,
      });
      options.log?.(`idle sockets: ${sockets.length} open, server RSS ${(rss / MiB).toFixed(0)} MiB`);
    }
    return { rows, idleRssMiB: idle / MiB, machine: machine() };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface BroadcastResult {
  readonly samples: number;
  /** Arrival on instance B − arrival on instance A, ms. */
  readonly extraMedianMs: number;
  readonly extraP95Ms: number;
  readonly extraWorstMs: number;
  /** Upload sent → `history:new` on A (includes recognizing the clip and storing it). */
  readonly sameInstanceMedianMs: number;
  readonly missed: number;
  readonly machine: string;
}

/**
 * @example
 * const result = await runBroadcastLatency({ samples: 30, budgetMs: 30_000 });
 */
export async function runBroadcastLatency(options: {
  readonly samples?: number;
  readonly budgetMs?: number;
  readonly log?: (line: string) => void;
}): Promise<BroadcastResult> {
  const samples = Math.min(40, Math.max(1, options.samples ?? 30));
  const dir = await mkdtemp(join(tmpdir(), 'rv-bench-broadcast-'));
  const redis = await startRedis(dir);
  const children: Child[] = [];
  const sockets: Socket[] = [];
  try {
    // Settled, so that when one fails the other is still stopped below.
    const started = await Promise.allSettled([
      startChild({ DATABASE_URL: `file:${join(dir, 'a.db')}`, REDIS_URL: redis.url }),
      startChild({ DATABASE_URL: `file:${join(dir, 'b.db')}`, REDIS_URL: redis.url }),
    ]);
    for (const one of started) if (one.status === 'fulfilled') children.push(one.value);
    for (const one of started) if (one.status === 'rejected') throw one.reason;
    const [a, b] = children as [Child, Child];
    const watcherA = await connect(a.url);
    const watcherB = await connect(b.url);
    sockets.push(watcherA, watcherB);
    const wav = await readFile((await synthesizeSpeech('turn on the lights')).wavPath);

    const arrivals = new Map<string, { a?: number; b?: number }>();
    let wake: (() => void) | undefined;
    const on = (key: 'a' | 'b') => (record: { id: string }) => {
      const entry = arrivals.get(record.id) ?? {};
      entry[key] = performance.now();
      arrivals.set(record.id, entry);
      wake?.();
    };
    const both = (id: string) => arrivals.get(id)?.a !== undefined && arrivals.get(id)?.b !== undefined;
    const arrivedOnBoth = (id: string) =>
      new Promise<void>((done) => {
        const timer = setTimeout(finish, 2_000);
        function finish() {
          clearTimeout(timer);
          wake = undefined;
          done();
        }
        wake = () => {
          if (both(id)) finish();
        };
        wake();
      });
    watcherA.on('history:new', on('a'));
    watcherB.on('history:new', on('b'));

    const deadline = Date.now() + (options.budgetMs ?? 30_000);
    const extra: number[] = [];
    const same: number[] = [];
    let missed = 0;
    for (let i = 0; i < samples && Date.now() < deadline; i++) {
      const sent = performance.now();
      const response = await fetch(`${a.url}/api/recognize`, {
        method: 'POST',
        headers: { 'content-type': 'audio/wav' },
        body: wav,
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await response.json()) as { records?: { id: string }[] };
      const id = body.records?.[0]?.id;
      if (!id) throw new Error(`recognize gave no record: ${JSON.stringify(body)}`);
      await arrivedOnBoth(id);
      const entry = arrivals.get(id);
      if (entry?.a === undefined || entry.b === undefined) {
        missed += 1;
        continue;
      }
      extra.push(entry.b - entry.a);
      same.push(entry.a - sent);
    }
    options.log?.(`broadcast: ${extra.length} samples`);
    return {
      samples: extra.length,
      extraMedianMs: median(extra),
      extraP95Ms: percentile(extra, 95),
      extraWorstMs: worst(extra),
      sameInstanceMedianMs: median(same),
      missed,
      machine: machine(),
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(children.map((child) => child.stop()));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${loadavg()[0]?.toFixed(2)}`;
}
