/**
 * @module e2e (bench) — end to end on loopback against one official server (bench/server.ts, a child
 * process): ack round-trip times and fire-and-forget emit throughput, our client against socket.io-client,
 * both in Node over the `ws` package.
 *
 * Both clients get the same treatment: a fresh connection per round (`forceNew`, no reconnection), a
 * warm-up, then the measured part; rounds alternate which client goes first. Only one client runs at a
 * time, so they never compete for the server or the CPU.
 */

import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { AUDIO_FRAME_BYTES } from './codec';
import type { BenchServerReady, DrainReply } from './server';
import { BENCH_NAMESPACE, CHILD_FLAG } from './server';
import { median, percentile } from './stats';

/** The few operations the benchmark needs, wrapped the same way for both clients. */
export interface BenchSocket {
  /** Resolves on `connect`, rejects on `connect_error`. */
  connected(): Promise<void>;
  /** Emits and resolves with the ack's first argument. */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  /** Emits without an ack. */
  emit(event: string, ...args: unknown[]): void;
  close(): void;
}

/** Opens a connection to `url` (which names the namespace). */
export type BenchClient = (url: string) => BenchSocket;

/** A running benchmark server. */
export interface BenchServer {
  /** `http://127.0.0.1:<port>/bench` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts bench/server.ts in a child process (through tsx's loader, so it stays TypeScript).
 *
 * @example
 * const server = await startBenchServer();
 * try { ... } finally { await server.stop(); }
 */
export async function startBenchServer(): Promise<BenchServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [CHILD_FLAG]: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<BenchServerReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as BenchServerReady));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited early (code ${code})`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('bench server did not start within 20 s')), 20_000).unref(),
  );
  try {
    const { port } = await Promise.race([ready, timeout]);
    return {
      url: `http://127.0.0.1:${port}${BENCH_NAMESPACE}`,
      async stop() {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.disconnect();
        // The child exits on disconnect; the kill is a fallback if it hangs.
        const fallback = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(fallback);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Rejects after `ms`, so a lost ack fails the bench instead of hanging it. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function audioFrame(): ArrayBuffer {
  const bytes = new Uint8Array(AUDIO_FRAME_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13 + 5) & 255;
  return bytes.buffer;
}

/** How much each round does. */
export interface E2eSizes {
  readonly warmup: number;
  readonly jsonAcks: number;
  readonly audioAcks: number;
  readonly jsonEmits: number;
  readonly audioEmits: number;
}

/** Raw results of one client over all rounds. */
export interface E2eSamples {
  /** Round-trip times in microseconds, pooled over rounds. */
  readonly jsonRtt: number[];
  readonly audioRtt: number[];
  /** Emits per second, one value per round. */
  readonly jsonEmitRate: number[];
  readonly audioEmitRate: number[];
}

async function roundTrips(count: number, send: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await withTimeout(send(i), 10_000, 'ack');
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

async function emitRate(socket: BenchSocket, count: number, frame: ArrayBuffer | undefined): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (frame) socket.emit('frame', { seq: i }, frame);
    else socket.emit('frame', { seq: i });
  }
  const reply = (await withTimeout(socket.emitWithAck('drain'), 60_000, 'drain')) as DrainReply;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const expectedBytes = frame ? count * frame.byteLength : 0;
  if (reply.count !== count || reply.bytes !== expectedBytes) {
    throw new Error(
      `server received ${reply.count} emits / ${reply.bytes} B, expected ${count} / ${expectedBytes} B`,
    );
  }
  return count / seconds;
}

/** One round for one client: connect, warm up, measure, close. */
async function runRound(client: BenchClient, url: string, sizes: E2eSizes, into: E2eSamples): Promise<void> {
  const socket = client(url);
  try {
    await withTimeout(socket.connected(), 10_000, 'connect');
    const frame = audioFrame();
    const json = (i: number) => socket.emitWithAck('echo', { seq: i, text: 'turn on the kitchen light' });
    const audio = (i: number) => socket.emitWithAck('audio', { seq: i }, frame);
    await roundTrips(sizes.warmup, json);
    await roundTrips(sizes.warmup, audio);
    await emitRate(socket, sizes.warmup * 10, undefined);
    into.jsonRtt.push(...(await roundTrips(sizes.jsonAcks, json)));
    into.audioRtt.push(...(await roundTrips(sizes.audioAcks, audio)));
    into.jsonEmitRate.push(await emitRate(socket, sizes.jsonEmits, undefined));
    into.audioEmitRate.push(await emitRate(socket, sizes.audioEmits, frame));
  } finally {
    socket.close();
  }
}

/** One row of the end-to-end table. */
export interface E2eResult {
  readonly name: string;
  readonly unit: string;
  readonly ours: number;
  readonly theirs: number;
  /** Whether a larger number is better (rates) or smaller (times). */
  readonly higherIsBetter: boolean;
}

/**
 * Runs `rounds` rounds of each client against one server, alternating which goes first.
 *
 * @example
 * const rows = await runE2eBench({ ours, theirs, server, rounds: 3, sizes });
 */
export async function runE2eBench(options: {
  readonly ours: BenchClient;
  readonly theirs: BenchClient;
  readonly url: string;
  readonly rounds: number;
  readonly sizes: E2eSizes;
}): Promise<E2eResult[]> {
  const empty = (): E2eSamples => ({ jsonRtt: [], audioRtt: [], jsonEmitRate: [], audioEmitRate: [] });
  const ours = empty();
  const theirs = empty();
  for (let round = 0; round < options.rounds; round++) {
    const order: [BenchClient, E2eSamples][] = [
      [options.ours, ours],
      [options.theirs, theirs],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [client, samples] of order) await runRound(client, options.url, options.sizes, samples);
  }
  const frame = `${(AUDIO_FRAME_BYTES / 1000).toFixed(1)} KB`;
  return [
    {
      name: 'ack RTT, small JSON — median',
      unit: 'µs',
      ours: median(ours.jsonRtt),
      theirs: median(theirs.jsonRtt),
      higherIsBetter: false,
    },
    {
      name: 'ack RTT, small JSON — p99',
      unit: 'µs',
      ours: percentile(ours.jsonRtt, 99),
      theirs: percentile(theirs.jsonRtt, 99),
      higherIsBetter: false,
    },
    {
      name: `ack RTT, ${frame} binary — median`,
      unit: 'µs',
      ours: median(ours.audioRtt),
      theirs: median(theirs.audioRtt),
      higherIsBetter: false,
    },
    {
      name: `ack RTT, ${frame} binary — p99`,
      unit: 'µs',
      ours: percentile(ours.audioRtt, 99),
      theirs: percentile(theirs.audioRtt, 99),
      higherIsBetter: false,
    },
    {
      name: 'emits/s, small JSON',
      unit: '/s',
      ours: median(ours.jsonEmitRate),
      theirs: median(theirs.jsonEmitRate),
      higherIsBetter: true,
    },
    {
      name: `emits/s, ${frame} binary`,
      unit: '/s',
      ours: median(ours.audioEmitRate),
      theirs: median(theirs.audioEmitRate),
      higherIsBetter: true,
    },
  ];
}
