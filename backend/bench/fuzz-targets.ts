/**
 * @module fuzz-targets — the two things `npm run fuzz` attacks with `fuzz-frames.ts`:
 *
 * 1. the real server, over raw WebSockets: each connection (half of them authenticated first) sends a
 *    burst of 1–32 fuzz frames, then a probe — a CONNECT to a namespace that does not exist
 *    (`40/fuzz-probe-N,`), which the server must answer (`44/fuzz-probe-N,…`) or have closed the
 *    connection. Neither within `HANG_MS` is a hang; the server process gone (or no longer accepting
 *    connections) is a crash.
 * 2. the client's decoder, through its public transport interface (`Transport`): a `Manager` whose
 *    transport is fed the frames after a valid handshake and CONNECT. A throw out of the transport's
 *    `onMessage` is a crash (the decoder promises never to throw; the harness reports, never hides, it),
 *    a frame taking longer than `HANG_MS` to handle is a hang. A client that closed its connection is
 *    replaced by a new one.
 */
import { Manager, type Transport, type TransportListener } from '@realtime-voice/shared/socketio';
import { openRawSocket } from '../test/support/raw-socket';
import { createRng, describeFrame, type FuzzFrame, fuzzFrame } from './fuzz-frames';

export const HANG_MS = 3_000;
const MAX_SAMPLES = 10;

export interface FuzzStats {
  /** Fuzz frames delivered (to an open connection). */
  frames: number;
  connections: number;
  /** Connections the server (or client) closed because of what it received. */
  closedOnBadInput: number;
  crashes: number;
  hangs: number;
  /** Up to 10 descriptions of what crashed or hung (frame previews and the error). */
  samples: string[];
  elapsedMs: number;
  /** Why the run ended before `frames` (deadline, crash). */
  stoppedEarly: string | undefined;
}

const emptyStats = (): FuzzStats => ({
  frames: 0,
  connections: 0,
  closedOnBadInput: 0,
  crashes: 0,
  hangs: 0,
  samples: [],
  elapsedMs: 0,
  stoppedEarly: undefined,
});

const sample = (stats: FuzzStats, text: string) => {
  if (stats.samples.length < MAX_SAMPLES) stats.samples.push(text);
};

export interface ServerFuzzOptions {
  readonly url: string;
  readonly frames: number;
  readonly seed: number;
  readonly deadline: number;
  /** Parallel connections. */
  readonly concurrency?: number;
  /** A valid token: half of the connections join `/realtime-voice` with it before fuzzing. */
  readonly token?: string;
  /** False once the server process is gone (a crash). */
  readonly serverAlive?: () => boolean;
  readonly progress?: (stats: FuzzStats) => void;
}

/**
 * @example
 * const stats = await fuzzServer({ url, frames: 100_000, seed: 1, deadline: Date.now() + 60_000, token });
 */
export async function fuzzServer(options: ServerFuzzOptions): Promise<FuzzStats> {
  const stats = emptyStats();
  const began = performance.now();
  let probes = 0;
  const alive = options.serverAlive ?? (() => true);
  let lastProgress = Date.now();
  const stop = () => stats.stoppedEarly !== undefined || stats.frames >= options.frames;

  const worker = async (index: number) => {
    const rng = createRng(options.seed * 1_000 + index);
    while (!stop()) {
      if (Date.now() > options.deadline) {
        stats.stoppedEarly ??= 'deadline';
        return;
      }
      let raw: Awaited<ReturnType<typeof openRawSocket>>;
      try {
        raw = await openRawSocket(options.url, { timeoutMs: HANG_MS });
      } catch (error) {
        if (!alive()) {
          stats.crashes += 1;
          sample(stats, 'server process exited');
          stats.stoppedEarly = 'server crashed';
          return;
        }
        stats.hangs += 1;
        sample(stats, `new connection not opened in ${HANG_MS} ms: ${String(error)}`);
        continue;
      }
      stats.connections += 1;
      if (options.token && rng.next() < 0.5) raw.send(`40/realtime-voice,{"token":"${options.token}"}`);
      const burst: FuzzFrame[] = [];
      const size = 1 + rng.int(32);
      for (let i = 0; i < size && raw.ws.readyState === raw.ws.OPEN && stats.frames < options.frames; i++) {
        const frame = fuzzFrame(rng);
        burst.push(frame);
        raw.send(frame);
        stats.frames += 1;
      }
      probes += 1;
      const probe = `/fuzz-probe-${probes}`;
      const answered = new Promise<'answered'>((resolve) => {
        raw.ws.on('message', (data, isBinary) => {
          if (!isBinary && data.toString().startsWith(`44${probe},`)) resolve('answered');
        });
      });
      raw.send(`40${probe},`);
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        answered,
        raw.closed.then(() => 'closed' as const),
        new Promise<'hang'>((resolve) => {
          timer = setTimeout(() => resolve('hang'), HANG_MS);
        }),
      ]);
      clearTimeout(timer);
      raw.close();
      if (outcome === 'closed') stats.closedOnBadInput += 1;
      if (outcome === 'hang') {
        if (!alive()) {
          stats.crashes += 1;
          sample(stats, `server process exited after: ${burst.map((f) => describeFrame(f, 60)).join(' | ')}`);
          stats.stoppedEarly = 'server crashed';
          return;
        }
        stats.hangs += 1;
        sample(
          stats,
          `no answer in ${HANG_MS} ms after: ${burst.map((f) => describeFrame(f, 60)).join(' | ')}`,
        );
      }
      if (options.progress && Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        options.progress(stats);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, (_, i) => worker(i)));
  stats.elapsedMs = performance.now() - began;
  return stats;
}

/** One client of the decoder fuzz: a Manager on a transport the harness drives by hand. */
interface FuzzClient {
  readonly listener: TransportListener;
  open: boolean;
  dispose(): void;
}

const HANDSHAKE =
  '0{"sid":"fuzz","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';

function fuzzClient(): FuzzClient {
  let listener: TransportListener | undefined;
  const client = {
    open: true,
    get listener(): TransportListener {
      if (!listener) throw new Error('the client did not open its transport');
      return listener;
    },
    dispose() {
      manager.close();
    },
  };
  const transport: Transport = {
    name: 'fuzz',
    open(_request, transportListener) {
      listener = transportListener;
      return {
        send: () => undefined,
        close: () => {
          client.open = false;
        },
      };
    },
  };
  const manager = new Manager('http://fuzz.invalid', { transport, reconnection: false });
  const socket = manager.socket('/realtime-voice', {});
  // Errors are the decoder doing its job (a bad frame closes the connection with a clear error).
  manager.on('error', () => undefined);
  socket.on('connect_error', () => undefined);
  client.listener.onOpen();
  client.listener.onMessage(HANDSHAKE);
  client.listener.onMessage('40/realtime-voice,{"sid":"fuzz-socket"}');
  return client;
}

/**
 * @example
 * const stats = fuzzClientDecoder({ frames: 1_000_000, seed: 1, deadline: Date.now() + 120_000 });
 */
export function fuzzClientDecoder(options: {
  readonly frames: number;
  readonly seed: number;
  readonly deadline: number;
}): FuzzStats {
  const stats = emptyStats();
  const began = performance.now();
  const rng = createRng(options.seed);
  let client = fuzzClient();
  stats.connections = 1;
  while (stats.frames < options.frames) {
    if ((stats.frames & 1023) === 0 && Date.now() > options.deadline) {
      stats.stoppedEarly = 'deadline';
      break;
    }
    if (!client.open) {
      stats.closedOnBadInput += 1;
      client.dispose();
      client = fuzzClient();
      stats.connections += 1;
    }
    const frame = fuzzFrame(rng);
    // What a transport hands the client: a string or an ArrayBuffer of exactly the frame's bytes.
    const data =
      typeof frame === 'string'
        ? frame
        : frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
    const t0 = performance.now();
    try {
      client.listener.onMessage(data as string | ArrayBuffer);
    } catch (error) {
      stats.crashes += 1;
      sample(
        stats,
        `${describeFrame(frame, 60)} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
      // A client whose decoder threw is in an unknown state: use a fresh one.
      client.dispose();
      client = fuzzClient();
      stats.connections += 1;
    }
    const took = performance.now() - t0;
    if (took > HANG_MS) {
      stats.hangs += 1;
      sample(stats, `${describeFrame(frame, 60)} took ${took.toFixed(0)} ms`);
    }
    stats.frames += 1;
  }
  client.dispose();
  stats.elapsedMs = performance.now() - began;
  return stats;
}
