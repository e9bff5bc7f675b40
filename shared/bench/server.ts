/**
 * @module server (bench) — the official `socket.io` server the end-to-end benchmark talks to, run in a
 * child process.
 *
 * A child process, not in-process: with the server on the benchmark's event loop, every client-side
 * timing would include the server's parse/dispatch work serialized on the same thread and both sides'
 * garbage collections, and which client "wins" would partly measure how the two interleave. In its own
 * process the server runs on another core, and both clients face the very same server.
 *
 * Protocol with the parent (IPC): it sends `{ port }` once listening; it exits when the parent disconnects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/** Namespace the benchmark uses. */
export const BENCH_NAMESPACE = '/bench';

/** What the child sends its parent once it listens. */
export interface BenchServerReady {
  readonly port: number;
}

/** What the `drain` ack returns: how much arrived since the last drain. */
export interface DrainReply {
  readonly count: number;
  readonly bytes: number;
}

function byteLength(value: unknown): number {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer ? value.byteLength : 0;
}

function start(): void {
  const httpServer = createServer();
  const io = new Server(httpServer, { serveClient: false, transports: ['websocket'] });
  io.of(BENCH_NAMESPACE).on('connection', (socket) => {
    let count = 0;
    let bytes = 0;
    // Round trip of a small JSON payload: the ack carries it back.
    socket.on('echo', (payload: unknown, ack: (reply: unknown) => void) => ack(payload));
    // Round trip of an audio frame upstream with a small ack, the product's hot path.
    socket.on('audio', (meta: { seq: number }, frame: unknown, ack: (reply: unknown) => void) =>
      ack({ seq: meta.seq, bytes: byteLength(frame) }),
    );
    // Fire-and-forget emits, counted; `drain` answers once every earlier packet has been handled
    // (a socket's packets are handled in order), which is how the client knows they all arrived.
    socket.on('frame', (_meta: unknown, frame?: unknown) => {
      count++;
      bytes += byteLength(frame);
    });
    socket.on('drain', (ack: (reply: DrainReply) => void) => {
      ack({ count, bytes });
      count = 0;
      bytes = 0;
    });
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const ready: BenchServerReady = { port: (httpServer.address() as AddressInfo).port };
    process.send?.(ready);
  });
  process.on('disconnect', () => {
    io.close();
    process.exit(0);
  });
}

/** Set by the parent in the child's environment; `process.send` alone is no sign (tsx gives its own IPC). */
export const CHILD_FLAG = 'REALTIME_VOICE_BENCH_SERVER';

// Only when run as the child: importing the constants from the parent must not start a server.
if (process.env[CHILD_FLAG] === '1') start();
