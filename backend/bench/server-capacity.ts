/**
 * @module server-capacity — how many concurrent real-time voice sessions one server process sustains, end
 * to end: our Socket.IO client → loopback WebSocket → the real server → pocketsphinx → SQLite → back.
 *
 * The server (`createServer`, a temp-file SQLite database, anonymous auth, pocketsphinx) runs in a child
 * process (`server-child.ts`), so its RSS and CPU are read alone from `/proc/<pid>` and the load generator's
 * CPU is not counted as the server's. For N = 1, 4, 8, 10, 12 sessions (N=1 always first: the WER
 * reference), N clients of our own client each
 * play the same three flite sentences (1.2 s of silence between them) as 16 kHz s16le in 100 ms chunks at
 * real-time pace: `start` → `audio` × ~111 → `stop`. All N sessions are started first (starts staggered over
 * one second), then all stream together (again staggered over one second), so N decoders really run at
 * once for the whole clip. Levels stop at the first failing one, or when the time budget would be exceeded.
 *
 * What a client can observe, and so what is measured (all times on the bench process's clock):
 *   - final latency: arrival of an utterance's `result` − send time of the chunk holding its last audible
 *     sample. It includes the detector's 500 ms silence hangover and the SQLite write (results are stored
 *     before they are announced). A decoder that trails real time adds its backlog here.
 *   - first partial: arrival of an utterance's first `partial` − send time of the chunk holding its first
 *     audible sample. The protocol does not say which audio a partial reflects, so this is the proxy for
 *     partial lag: a floor set by how much speech the decoder needs for a hypothesis, plus any backlog.
 *   - partial gap: time between consecutive `partial`s of one utterance — whether partials keep coming
 *     while someone speaks. The server sends a partial only when the hypothesis changes (checked every
 *     200 ms of audio), so a gap also holds stretches where nothing new was recognised.
 *   - stop ack: arrival of `stop`'s ack − send time of the last chunk: the backlog left at the end plus the
 *     flush.
 *   - RSS: the child's VmRSS sampled every 100 ms; per session = (peak during the level − RSS of the idle
 *     server before the first session) / N. The pocketsphinx pool creates its decoders at start, so the
 *     idle server already holds them: this is what a live session adds on top of its decoder. What each
 *     decoder and the shared models cost is measured by the child while its pool warms (`pool` in the
 *     result) — the sizing table adds both.
 *   - server CPU: the child's utime + stime over the streaming phase / wall time (100 % = one core).
 *   - start ack: `start` → its ack, for a burst of N starts within one second. A start takes a ready decoder
 *     from the pool (reset, not loaded), so this is a few ms unless the pool is smaller than N.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket, webSocketTransport } from '@realtime-voice/shared/socketio';
import {
  type TranscriptRecord,
  VOICE_NAMESPACE,
  type VoiceClientToServerEvents,
  type VoiceError,
  type VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import WebSocket from 'ws';
import { errorMessage } from '../src/errors';
import { type SplicedAudio, streamAtRealTime, wordErrorRate } from '../test/support/speech-audio';
import type { ChildMemory } from './server-child';
import { corpusAudio } from './speech-corpus';
import { median, percentile, worst } from './stats';

const CHUNK_MS = 100;
// Issue 13's goals, end to end. Finals include the detector's 500 ms silence hangover.
const FINAL_LIMIT_MS = 1000;
const FINAL_MEDIAN_LIMIT_MS = 600;
const PARTIAL_GAP_LIMIT_MS = 500;
const START_ACK_MEDIAN_LIMIT_MS = 150;
const START_ACK_LIMIT_MS = 500;
/** A level's median WER may exceed the N=1 level's by at most this (5 points). */
const WER_SLACK = 0.05;
const DEFAULT_LEVELS: readonly number[] = [1, 4, 8, 10, 12];
/** Linux reports /proc CPU times in clock ticks of 1/100 s on every architecture Node runs on here. */
const TICK_MS = 10;
const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const BACKEND_DIR = resolve(BENCH_DIR, '..');

type VoiceSocket = Socket<VoiceServerToClientEvents, VoiceClientToServerEvents>;

export interface ServerCapacityRow {
  readonly sessions: number;
  readonly passed: boolean;
  /** Why the level failed (one line per failing session, at most a few). */
  readonly failures: readonly string[];
  /** Medians over all utterances of all sessions, and the worst. */
  readonly firstPartialMedianMs: number;
  readonly firstPartialWorstMs: number;
  /** Median of all gaps between partials, and the worst session's p95 gap. */
  readonly partialGapMedianMs: number;
  readonly partialGapP95WorstMs: number;
  readonly finalMedianMs: number;
  readonly finalWorstMs: number;
  readonly missingFinals: number;
  readonly werMedian: number;
  /** `start` ack time: taking a ready decoder from the pool (a few ms), or creating one when it is empty. */
  readonly startAckMedianMs: number;
  readonly startAckWorstMs: number;
  readonly stopAckMedianMs: number;
  readonly rssPeakMiB: number;
  readonly rssPerSessionMiB: number;
  /**
   * RSS once the level's sessions are closed: what the allocator kept. Rising from level to level would
   * mean a leak; staying near the last peak is glibc keeping freed decoder memory in its arenas.
   */
  readonly rssAfterMiB: number;
  /** Server process CPU over the streaming phase, % of one core. */
  readonly serverCpuPercent: number;
  /** Load generator (this process) CPU over the same phase, % of one core. */
  readonly clientCpuPercent: number;
  /** 1-minute load average when the level started (other work on the machine shows here). */
  readonly loadAverage1m: number;
  readonly wallMs: number;
}

/** The pocketsphinx pool's memory, measured by the server child while it warmed (see server-child.ts). */
export interface PoolMemory {
  /** RSS of the models (one copy per lane) plus one decoder, over the server without the engine. */
  readonly modelsAndFirstDecoderMiB: number;
  /** What each further decoder (one per live session) adds. */
  readonly perDecoderMiB: number;
  readonly decoders: number;
  readonly lanes: number;
}

export interface ServerCapacityResult {
  readonly rows: ServerCapacityRow[];
  readonly pool: PoolMemory;
  /** Largest N that passed (0 if none). */
  readonly capacity: number;
  readonly idleRssMiB: number;
  readonly audioMs: number;
  readonly utterances: number;
  readonly machine: string;
  readonly criterion: string;
}

/**
 * Starts the server in a child process, runs the levels within `budgetMs` (default 170 s, server start
 * included), stops the server. Throws only when something crashed (the server died, the bench could not
 * start it); a level that falls behind is a result, not an error.
 *
 * @example
 * const { rows, capacity } = await runServerCapacity({ levels: [1, 2] });
 */
export async function runServerCapacity(
  options: {
    levels?: readonly number[];
    budgetMs?: number;
    /** Run every level even after one failed (capacity stays the largest N below the first failure). */
    keepGoing?: boolean;
    log?: (line: string) => void;
  } = {},
): Promise<ServerCapacityResult> {
  // The N=1 level is the WER reference of every other level, so it always runs first.
  const levels = [1, ...(options.levels ?? DEFAULT_LEVELS).filter((n) => n !== 1)];
  const budgetMs = options.budgetMs ?? 170_000;
  const log = options.log ?? (() => {});
  const begun = performance.now();

  const { audio, reference } = await corpusAudio();

  const dataDir = await mkdtemp(join(tmpdir(), 'rv-bench-server-'));
  const child = await startChild(dataDir, Math.max(...levels));
  const rows: ServerCapacityRow[] = [];
  let idleRssBytes = 0;
  try {
    await waitReady(child);
    // Let start-up garbage settle before the baseline every level's per-session figure is measured from.
    await sleep(1_000);
    idleRssBytes = readRss(child.pid);
    log(`server pid ${child.pid} at ${child.url}, idle RSS ${(idleRssBytes / 2 ** 20).toFixed(0)} MiB`);

    let lastLevelMs = 0;
    for (const n of levels) {
      // Estimate from the previous level: its wall time plus a second per extra decoder to create.
      const estimate = lastLevelMs === 0 ? audio.durationMs + 10_000 : lastLevelMs * 1.2 + n * 1_000;
      if (performance.now() - begun + estimate > budgetMs) {
        log(`N=${n}: skipped (time budget of ${(budgetMs / 1000).toFixed(0)} s)`);
        break;
      }
      const measured = withLevelCriteria(
        await runLevel(child, n, audio, reference, idleRssBytes),
        rows[0]?.werMedian,
      );
      child.assertAlive(`during the level with ${n} session(s)`);
      const live = await waitIdle(child);
      // Sessions outliving their clients would overlap the next level (and are a cleanup problem of their own).
      const row: ServerCapacityRow =
        live === 0
          ? { ...measured, rssAfterMiB: readRss(child.pid) / 2 ** 20 }
          : {
              ...measured,
              passed: false,
              failures: [...measured.failures, `${live} session(s) still live 20 s after every client left`],
              rssAfterMiB: Number.NaN,
            };
      lastLevelMs = row.wallMs;
      rows.push(row);
      log(
        `N=${n}: ${row.passed ? 'passed' : 'FAILED'} — final worst ${fixed(row.finalWorstMs)} ms, ` +
          `partial gap p95 worst ${fixed(row.partialGapP95WorstMs)} ms, RSS/session ${row.rssPerSessionMiB.toFixed(1)} MiB` +
          (row.failures.length > 0 ? `\n  ${row.failures.join('\n  ')}` : ''),
      );
      // A busy machine can fail a level the server would pass alone; --keep-going still measures the rest.
      if (!row.passed && !options.keepGoing) break;
    }
  } finally {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const firstFailure = rows.findIndex((row) => !row.passed);
  const passed = (firstFailure < 0 ? rows : rows.slice(0, firstFailure)).map((row) => row.sessions);
  return {
    rows,
    capacity: passed.length > 0 ? Math.max(...passed) : 0,
    idleRssMiB: idleRssBytes / 2 ** 20,
    pool: {
      modelsAndFirstDecoderMiB: (child.memory.oneDecoderBytes - child.memory.beforeEngineBytes) / 2 ** 20,
      perDecoderMiB:
        child.memory.decoders > 1
          ? (child.memory.warmBytes - child.memory.oneDecoderBytes) / (child.memory.decoders - 1) / 2 ** 20
          : Number.NaN,
      decoders: child.memory.decoders,
      lanes: child.memory.lanes,
    },
    audioMs: audio.durationMs,
    utterances: audio.segments.length,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min, at the end)`,
    criterion:
      `every session starts (start ack median < ${START_ACK_MEDIAN_LIMIT_MS} ms, worst < ${START_ACK_LIMIT_MS} ms), ` +
      `gets a final for each of its ${audio.segments.length} utterances (median < ${FINAL_MEDIAN_LIMIT_MS} ms, worst ` +
      `< ${FINAL_LIMIT_MS} ms after its speech ended; 500 ms of that is the detector's silence hangover), its p95 ` +
      `gap between partials is < ${PARTIAL_GAP_LIMIT_MS} ms, no session-error, stop succeeds, and the median WER ` +
      `is at most the N=1 level's + ${WER_SLACK * 100} points`,
  };
}

interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly memory: ChildMemory;
  /** Resolves when the server process exits (a crash, unless `stop()` asked for it). */
  readonly exited: Promise<void>;
  /** Throws if the server process has exited. */
  assertAlive(when: string): void;
  /** Closes stdin (the child closes the server and exits); kills it if that takes over 12 s. */
  stop(): Promise<void>;
}

async function startChild(dataDir: string, maxStreams: number): Promise<Child> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_MAX_STREAMS: String(maxStreams),
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `file:${join(dataDir, 'bench.db')}`,
    ASR_ENGINE: 'pocketsphinx',
    AUTH_ALLOW_ANONYMOUS: 'true',
    AUTH_TRUST_WX_HEADERS: 'false',
    // Every bench client is the one anonymous user, and the bench asks for more sessions than the memory
    // default admits: the caps would refuse what it measures.
    SESSION_MAX_PER_USER: '10000',
    SESSION_MAX_LIVE: '10000',
    SESSION_START_QUEUE: '1000',
    STATIC_DIR: join(dataDir, 'no-app'),
    // Warnings stay visible (an engine problem, a failed session); per-session info lines would drown the table.
    LOG_LEVEL: 'warn',
  };
  // Anonymous clients must not be refused for lacking a token some outer environment configured.
  delete env.AUTH_TOKEN_SECRET;
  // `node --import tsx` (not the tsx CLI) so the spawned pid is the server itself, not a wrapper around it.
  // --expose-gc: the child collects garbage before each memory reading.
  const proc = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, 'server-child.ts')],
    {
      cwd: BACKEND_DIR,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let exit: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    proc.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolveExit();
    });
  });

  const ready = await new Promise<{ url: string; pid: number; memory: ChildMemory }>(
    (resolveReady, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('the server child did not start within 60 s')), 60_000);
      proc.stdout?.setEncoding('utf8');
      proc.stdout?.on('data', (text: string) => {
        buffered += text;
        // The server's own log lines (JSON with an `event`, e.g. an engine without its model) come first.
        for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          let parsed: { url?: unknown; pid?: unknown; memory?: ChildMemory; event?: unknown };
          try {
            parsed = JSON.parse(line) as typeof parsed;
          } catch {
            clearTimeout(timer);
            reject(new Error(`the server child printed ${JSON.stringify(line.slice(0, 200))}, not its URL`));
            return;
          }
          if (typeof parsed.url === 'string' && typeof parsed.pid === 'number' && parsed.memory) {
            clearTimeout(timer);
            resolveReady({ url: parsed.url, pid: parsed.pid, memory: parsed.memory });
            return;
          }
          if (typeof parsed.event !== 'string') {
            clearTimeout(timer);
            reject(new Error(`the server child printed ${JSON.stringify(line.slice(0, 200))}, not its URL`));
            return;
          }
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the server child exited (${exit}) before listening`));
      });
    },
  ).catch((error: unknown) => {
    proc.kill('SIGKILL');
    throw error;
  });

  // If the bench itself dies, closing stdin already ends the child; this covers a plain process.exit().
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);

  return {
    process: proc,
    pid: ready.pid,
    url: ready.url,
    memory: ready.memory,
    exited,
    assertAlive(when) {
      if (exit !== undefined) throw new Error(`the server process exited (${exit}) ${when}`);
    },
    async stop() {
      process.off('exit', killOnExit);
      if (exit !== undefined) return;
      proc.stdin?.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitReady(child: Child): Promise<void> {
  const response = await fetch(`${child.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  const health = (await response.json()) as { ready?: boolean; engines?: Array<{ message?: string }> };
  if (health.ready !== true) {
    throw new Error(
      `the server is not ready: ${health.engines?.map((e) => e.message).join('; ') ?? 'unknown reason'}`,
    );
  }
}

/**
 * Waits (at most ~20 s) until the server has no live session, so levels do not overlap; returns how many
 * are still live then (0 = idle). A session closing after its client left first decodes its backlog.
 */
async function waitIdle(child: Child): Promise<number> {
  let live = Number.NaN;
  for (let attempt = 0; attempt < 80; attempt++) {
    child.assertAlive('between levels');
    const response = await fetch(`${child.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    const health = (await response.json()) as { activeSessions?: number };
    live = health.activeSessions ?? Number.NaN;
    if (live === 0) return 0;
    await sleep(250);
  }
  return live;
}

/** VmRSS of a process in bytes (0 if it is gone). */
function readRss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process, all threads, in ms. */
function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at `state`, field 3; utime/stime are 14/15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

interface SessionLog {
  readonly partials: number[];
  readonly results: Array<{ at: number; record: TranscriptRecord }>;
  readonly errors: VoiceError[];
  writtenAt: readonly number[];
  started: boolean;
  startAckMs: number;
  stopAckMs: number;
  records: readonly TranscriptRecord[] | undefined;
  failure: string | undefined;
  disconnected: string | undefined;
}

async function runLevel(
  child: Child,
  n: number,
  audio: SplicedAudio,
  reference: string,
  idleRssBytes: number,
): Promise<Omit<ServerCapacityRow, 'rssAfterMiB'>> {
  const loadAverage1m = loadavg()[0] ?? Number.NaN;
  const levelStart = performance.now();
  let rssPeak = readRss(child.pid);
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, readRss(child.pid));
  }, 100);
  const sockets: VoiceSocket[] = [];
  const logs: SessionLog[] = [];
  // Ends streams still playing when the level ends early (time-out, crashed server).
  const abort = new AbortController();
  try {
    for (let i = 0; i < n; i++) {
      const entry: SessionLog = {
        partials: [],
        results: [],
        errors: [],
        writtenAt: [],
        started: false,
        startAckMs: Number.NaN,
        stopAckMs: Number.NaN,
        records: undefined,
        failure: undefined,
        disconnected: undefined,
      };
      logs.push(entry);
      const socket = await connect(child.url);
      sockets.push(socket);
      socket.on('partial', () => entry.partials.push(performance.now()));
      socket.on('result', ({ record }) => entry.results.push({ at: performance.now(), record }));
      socket.on('session-error', (error) => entry.errors.push(error));
      socket.on('disconnect', (reason) => {
        entry.disconnected ??= String(reason);
      });
    }

    // Every wait inside is bounded (acks time out, streaming ends with the audio); this caps the sum too.
    const levelTimeoutMs = audio.durationMs + 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolveTimeout) => {
      timer = setTimeout(resolveTimeout, levelTimeoutMs);
    });
    let streamStart = performance.now();
    let cpuBefore = Number.NaN;
    let clientCpuBefore = process.cpuUsage();
    await Promise.race([
      (async () => {
        // Every session is started before any audio flows, so all N decoders exist (and decode) together
        // for the whole clip. Interleaving starts with streaming would let early sessions finish before late
        // ones begin (decoders are created one at a time, ~0.5 s each), and the level would not be N at once.
        await Promise.all(sockets.map((socket, i) => startSession(socket, logs[i]!, i, n)));
        streamStart = performance.now();
        cpuBefore = readCpuMs(child.pid);
        clientCpuBefore = process.cpuUsage();
        await Promise.all(
          sockets.map((socket, i) => streamSession(socket, logs[i]!, i, n, audio, abort.signal)),
        );
      })(),
      timedOut.then(() => {
        for (const entry of logs) entry.failure ??= `level timed out after ${levelTimeoutMs} ms`;
      }),
      // A crashed server ends the level at once; the caller's assertAlive turns it into an error.
      child.exited,
    ]);
    clearTimeout(timer);
    const streamMs = performance.now() - streamStart;
    const serverCpuMs = readCpuMs(child.pid) - cpuBefore;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    rssPeak = Math.max(rssPeak, readRss(child.pid));
    return summarize(n, logs, audio, reference, {
      idleRssBytes,
      rssPeak,
      serverCpuPercent: (serverCpuMs / streamMs) * 100,
      clientCpuPercent: ((clientCpu.user + clientCpu.system) / 1000 / streamMs) * 100,
      loadAverage1m,
      wallMs: performance.now() - levelStart,
    });
  } finally {
    clearInterval(sampler);
    abort.abort();
    for (const socket of sockets) socket.disconnect();
  }
}

function connect(url: string): Promise<VoiceSocket> {
  const socket = io<VoiceServerToClientEvents, VoiceClientToServerEvents>(`${url}${VOICE_NAMESPACE}`, {
    transport: webSocketTransport(WebSocket),
    forceNew: true,
    reconnection: false,
  });
  return new Promise((resolveConnect, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error('a client could not connect within 10 s'));
    }, 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolveConnect(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(new Error(`a client was refused: ${error.message}`));
    });
  });
}

/** Sends `start` after this session's share of a 1 s stagger, as independent users' starts would spread. */
async function startSession(socket: VoiceSocket, entry: SessionLog, index: number, n: number): Promise<void> {
  await sleep((index * 1000) / n);
  try {
    const startSent = performance.now();
    const started = await socket.timeout(30_000).emitWithAck('start', { sampleRate: 16_000 });
    entry.startAckMs = performance.now() - startSent;
    if (started.ok) entry.started = true;
    else entry.failure = `start refused: ${started.error.code}: ${started.error.message}`;
  } catch (error) {
    entry.failure = `start failed: ${errorMessage(error)}`;
  }
}

/** Streams the clip at real-time pace (staggered over 1 s like the starts), then `stop`. */
async function streamSession(
  socket: VoiceSocket,
  entry: SessionLog,
  index: number,
  n: number,
  audio: SplicedAudio,
  signal: AbortSignal,
): Promise<void> {
  if (!entry.started) return;
  await sleep((index * 1000) / n);
  try {
    const timing = await streamAtRealTime(
      audio.pcm,
      CHUNK_MS,
      (chunk) => {
        // A dropped connection ends the stream early instead of queueing audio into a dead socket.
        if (socket.connected) socket.emit('audio', chunk);
      },
      { signal },
    );
    entry.writtenAt = timing.writtenAt;
    if (signal.aborted) return;
    const lastSent = timing.writtenAt[timing.writtenAt.length - 1] ?? performance.now();
    const stopped = await socket.timeout(30_000).emitWithAck('stop');
    entry.stopAckMs = performance.now() - lastSent;
    if (stopped.ok) entry.records = stopped.records;
    else entry.failure = `stop failed: ${stopped.error.code}: ${stopped.error.message}`;
  } catch (error) {
    entry.failure = `session error: ${errorMessage(error)}`;
  }
}

function summarize(
  n: number,
  logs: readonly SessionLog[],
  audio: SplicedAudio,
  reference: string,
  measured: {
    idleRssBytes: number;
    rssPeak: number;
    serverCpuPercent: number;
    clientCpuPercent: number;
    loadAverage1m: number;
    wallMs: number;
  },
): Omit<ServerCapacityRow, 'rssAfterMiB'> {
  const failures: string[] = [];
  const firstPartials: number[] = [];
  const gaps: number[] = [];
  const gapP95s: number[] = [];
  const finals: number[] = [];
  const wers: number[] = [];
  let missingFinals = 0;

  logs.forEach((entry, sessionIndex) => {
    const problems: string[] = [];
    if (entry.failure) problems.push(entry.failure);
    if (entry.disconnected) problems.push(`disconnected (${entry.disconnected})`);
    for (const error of entry.errors) problems.push(`session-error ${error.code}: ${error.message}`);

    const sentAt = (ms: number) =>
      entry.writtenAt[Math.min(entry.writtenAt.length - 1, Math.floor(ms / CHUNK_MS))];
    // Each utterance's final is the first unused result arriving after its speech ended; a result before
    // that is a piece the detector split off, which counts for the text but not as the utterance's final.
    let nextResult = 0;
    const sessionGaps: number[] = [];
    let sessionFinalWorst = 0;
    audio.segments.forEach((segment, u) => {
      const onset = sentAt(segment.speechStartMs);
      const end = sentAt(segment.speechEndMs);
      if (onset === undefined || end === undefined) {
        missingFinals++;
        return;
      }
      while (nextResult < entry.results.length && entry.results[nextResult]!.at < end) nextResult++;
      const final = entry.results[nextResult];
      if (final) {
        nextResult++;
        finals.push(final.at - end);
        sessionFinalWorst = Math.max(sessionFinalWorst, final.at - end);
      } else {
        missingFinals++;
        problems.push(`no final for utterance ${u + 1}`);
      }
      // Partials of this utterance: after its onset was sent, up to its final (or the next onset).
      const nextOnset = audio.segments[u + 1] ? sentAt(audio.segments[u + 1]!.speechStartMs) : undefined;
      const until = final?.at ?? nextOnset ?? Number.POSITIVE_INFINITY;
      const own = entry.partials.filter((at) => at > onset && at <= until);
      if (own.length > 0) firstPartials.push(own[0]! - onset);
      for (let i = 1; i < own.length; i++) sessionGaps.push(own[i]! - own[i - 1]!);
    });
    if (sessionFinalWorst >= FINAL_LIMIT_MS) {
      problems.push(`final ${sessionFinalWorst.toFixed(0)} ms after speech end`);
    }
    if (entry.partials.length === 0) problems.push('no partials');
    const gapP95 = percentile(sessionGaps, 95);
    if (Number.isFinite(gapP95)) {
      gapP95s.push(gapP95);
      if (gapP95 >= PARTIAL_GAP_LIMIT_MS) problems.push(`p95 partial gap ${gapP95.toFixed(0)} ms`);
    }
    gaps.push(...sessionGaps);
    const text = (entry.records ?? entry.results.map((r) => r.record)).map((r) => r.text).join(' ');
    wers.push(wordErrorRate(reference, text));
    if (problems.length > 0) failures.push(`session ${sessionIndex + 1}: ${problems.join('; ')}`);
  });

  return {
    sessions: n,
    passed: failures.length === 0,
    failures: failures.slice(0, 5),
    firstPartialMedianMs: median(firstPartials),
    firstPartialWorstMs: worst(firstPartials),
    partialGapMedianMs: median(gaps),
    partialGapP95WorstMs: worst(gapP95s),
    finalMedianMs: median(finals),
    finalWorstMs: worst(finals),
    missingFinals,
    werMedian: median(wers),
    startAckMedianMs: median(logs.map((l) => l.startAckMs).filter(Number.isFinite)),
    startAckWorstMs: worst(logs.map((l) => l.startAckMs).filter(Number.isFinite)),
    stopAckMedianMs: median(logs.map((l) => l.stopAckMs).filter(Number.isFinite)),
    rssPeakMiB: measured.rssPeak / 2 ** 20,
    rssPerSessionMiB: (measured.rssPeak - measured.idleRssBytes) / n / 2 ** 20,
    serverCpuPercent: measured.serverCpuPercent,
    clientCpuPercent: measured.clientCpuPercent,
    loadAverage1m: measured.loadAverage1m,
    wallMs: measured.wallMs,
  };
}

/** The level-wide goals: start acks, the median final, and WER against the N=1 level. */
function withLevelCriteria(
  row: Omit<ServerCapacityRow, 'rssAfterMiB'>,
  referenceWer: number | undefined,
): Omit<ServerCapacityRow, 'rssAfterMiB'> {
  const problems: string[] = [];
  if (!(row.startAckMedianMs < START_ACK_MEDIAN_LIMIT_MS)) {
    problems.push(`start ack median ${fixed(row.startAckMedianMs)} ms`);
  }
  if (!(row.startAckWorstMs < START_ACK_LIMIT_MS))
    problems.push(`start ack worst ${fixed(row.startAckWorstMs)} ms`);
  if (!(row.finalMedianMs < FINAL_MEDIAN_LIMIT_MS))
    problems.push(`final median ${fixed(row.finalMedianMs)} ms`);
  if (referenceWer !== undefined && !(row.werMedian <= referenceWer + WER_SLACK + 1e-9)) {
    problems.push(`WER ${row.werMedian.toFixed(3)} > N=1's ${referenceWer.toFixed(3)} + ${WER_SLACK}`);
  }
  if (problems.length === 0) return row;
  return { ...row, passed: false, failures: [`level: ${problems.join('; ')}`, ...row.failures].slice(0, 5) };
}

const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));
const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
