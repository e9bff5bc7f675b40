/**
 * @module capture-frames — runs our client against the official `socket.io` server on loopback and prints
 * every WebSocket frame both ways, so docs/protocol.md shows real frames instead of remembered ones.
 *
 * The recording sits at the transport seam (a Transport wrapping `webSocketTransport(ws)`), i.e. exactly
 * what crosses the wire. The script walks through: handshake, namespace CONNECT with auth, events and acks
 * both ways, binary attachments both ways, ping/pong, a refused namespace (CONNECT_ERROR), connection
 * state recovery after a dropped transport (pid/offset, a missed event replayed) and DISCONNECT.
 *
 * Run from `shared/`: `npx tsx scripts/capture-frames.ts`. Exits non-zero if the walk-through fails.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import { io, webSocketTransport } from '../src/socketio/index';
import type { Transport } from '../src/socketio/transports/transport';

/** One captured frame. */
export interface CapturedFrame {
  /** `→` client to server, `←` server to client, `×` the transport closed. */
  readonly direction: '→' | '←' | '×';
  /** Milliseconds since the capture started. */
  readonly at: number;
  readonly data: string | ArrayBuffer;
}

/** Wraps a transport so every frame (and the close) is recorded, without changing anything it does. */
export function recordingTransport(inner: Transport, frames: CapturedFrame[], start: number): Transport {
  const now = () => Math.round(performance.now() - start);
  return {
    name: inner.name,
    open(request, listener) {
      const connection = inner.open(request, {
        onOpen: () => listener.onOpen(),
        onMessage: (data) => {
          frames.push({ direction: '←', at: now(), data });
          listener.onMessage(data);
        },
        onError: (error) => listener.onError(error),
        onClose: (details) => {
          frames.push({ direction: '×', at: now(), data: `closed (code ${details.code ?? '-'})` });
          listener.onClose(details);
        },
      });
      return {
        send: (data) => {
          frames.push({ direction: '→', at: now(), data });
          connection.send(data);
        },
        close: () => connection.close(),
      };
    },
  };
}

/** A frame as one printable line: text verbatim, binary as its length and first bytes in hex. */
export function describeFrame(frame: CapturedFrame): string {
  const { data } = frame;
  if (typeof data === 'string') return frame.direction === '×' ? `(transport ${data})` : data;
  const bytes = new Uint8Array(data);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `<binary frame, ${bytes.length} B: ${head}${bytes.length > 8 ? ' …' : ''}>`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const httpServer = createServer();
  const server = new Server(httpServer, {
    serveClient: false,
    transports: ['websocket'],
    // Short heartbeat so a ping shows up within the capture.
    pingInterval: 400,
    pingTimeout: 400,
    connectionStateRecovery: { maxDisconnectionDuration: 30_000 },
  });
  const voice = server.of('/realtime-voice');
  voice.use((socket, next) => {
    next(
      (socket.handshake.auth as { token?: unknown }).token === 'x' ? undefined : new Error('unauthorized'),
    );
  });
  voice.on('connection', (socket) => {
    socket.on('hello', (_payload: unknown, ack: (reply: unknown) => void) => {
      ack({ ok: true });
      socket.emit('partial', { text: 'hello' });
    });
    socket.on('audio', (meta: { seq: number }, frame: Buffer, ack: (reply: unknown) => void) => {
      ack({ seq: meta.seq, echo: Buffer.from(frame).reverse() });
    });
    socket.on('ask me', () => {
      socket.emit('confirm', 'ready?', (answer: unknown) => socket.emit('answered', answer));
    });
  });
  server.of('/private').use((_socket, next) => next(new Error('unauthorized')));
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;

  const frames: CapturedFrame[] = [];
  const start = performance.now();
  const marks: { at: number; label: string }[] = [];
  const mark = (label: string) => marks.push({ at: frames.length, label });
  const transport = recordingTransport(webSocketTransport(WebSocket), frames, start);
  const socket = io(`http://127.0.0.1:${port}/realtime-voice`, {
    transport,
    auth: { token: 'x' },
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
  });
  try {
    mark('Engine.IO handshake, then namespace CONNECT with auth');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });

    mark('EVENT with an ack id, its ACK, and a server EVENT (the server appends its recovery offset)');
    const partial = new Promise<void>((resolve) => socket.once('partial', () => resolve()));
    await socket.timeout(2000).emitWithAck('hello', { lang: 'en-US' });
    await partial;

    mark('BINARY_EVENT with an ack id (one attachment), answered by a BINARY_ACK');
    await socket.timeout(2000).emitWithAck('audio', { seq: 1 }, new Uint8Array([1, 2, 3, 4]));

    mark('The server asks for an ack; the client answers with ACK');
    const answered = new Promise<void>((resolve) => socket.once('answered', () => resolve()));
    socket.on('confirm', (_question: unknown, ack: unknown) => {
      if (typeof ack === 'function') ack('yes');
    });
    socket.emit('ask me');
    await answered;

    mark('Heartbeat: the server pings, the client pongs');
    await new Promise<void>((resolve) => socket.io.once('ping', () => resolve()));

    mark('A namespace the server refuses: CONNECT, then CONNECT_ERROR');
    const refused = io(`http://127.0.0.1:${port}/private`, {
      transport,
      auth: { token: 'wrong' },
      reconnectionDelay: 100,
    });
    await new Promise<void>((resolve) => refused.once('connect_error', () => resolve()));
    refused.disconnect();

    mark(
      'Connection state recovery: the transport drops, an event is missed, the client reconnects with pid + offset',
    );
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const missed = new Promise<void>((resolve) => socket.once('news', () => resolve()));
    const live = [...voice.sockets.values()][0];
    if (!live) throw new Error('no server-side socket');
    // Kill the server side's WebSocket without a close frame: a transport-level loss, which recovery covers.
    (live.conn as unknown as { transport: { socket: { terminate(): void } } }).transport.socket.terminate();
    await sleep(20);
    voice.emit('news', 'sent while you were away');
    await reconnected;
    await missed;
    if (!socket.recovered) throw new Error('the session was not recovered');

    mark('DISCONNECT from the client');
    socket.disconnect();
    await sleep(100);
  } finally {
    socket.disconnect();
    await server.close();
  }

  let next = 0;
  for (const [index, frame] of frames.entries()) {
    while (next < marks.length && marks[next]!.at <= index) console.log(`\n# ${marks[next++]!.label}`);
    console.log(`${String(frame.at).padStart(5)} ms ${frame.direction} ${describeFrame(frame)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
