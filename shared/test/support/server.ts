/**
 * @module server — the official `socket.io` server (and a raw `ws` server) on 127.0.0.1, ephemeral port.
 *
 * Every integration test of the client runs against these. `close()` is robust: it disconnects every
 * socket, terminates lingering WebSockets and never rejects, so `afterEach` cannot hang or fail.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import WebSocket, { WebSocketServer } from 'ws';
import type { DefaultEventsMap, EventsMap } from '../../src/socketio/emitter';
import { ClientError } from '../../src/socketio/errors';
import { type IoOptions, io, type Socket, webSocketTransport } from '../../src/socketio/index';

/** A running official Socket.IO server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly io: Server;
  readonly http: HttpServer;
  /** Number of Engine.IO connections currently open on the server. */
  liveConnections(): number;
  close(): Promise<void>;
}

/**
 * Starts `new Server(http, opts)` on 127.0.0.1 with an ephemeral port, websocket transport only.
 *
 * @example
 * const server = await startServer({ pingInterval: 200 });
 */
export async function startServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const http = createServer();
  const ioServer = new Server(http, { transports: ['websocket'], ...opts });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    io: ioServer,
    http,
    liveConnections: () => ioServer.engine.clientsCount,
    close: async () => {
      if (closed) return;
      closed = true;
      ioServer.disconnectSockets(true);
      await closeQuietly(ioServer, http);
    },
  };
}

async function closeQuietly(ioServer: Server, http: HttpServer): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      ioServer.close(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
  http.closeAllConnections?.();
}

/** A raw WebSocket server that speaks whatever a test scripts, to feed the client malformed frames. */
export interface RawServer {
  readonly url: string;
  readonly wss: WebSocketServer;
  /** Total WebSocket connections accepted so far. */
  connections(): number;
  /** Connections open right now. */
  live(): number;
  close(): Promise<void>;
}

/**
 * Starts a `ws` server; `onConnection` scripts each connection.
 *
 * @example
 * const raw = await startRawServer((ws) => ws.send('0{...}'));
 */
export async function startRawServer(
  onConnection: (ws: WebSocket, index: number) => void,
): Promise<RawServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as AddressInfo;
  let count = 0;
  wss.on('connection', (ws) => {
    onConnection(ws, count++);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    wss,
    connections: () => count,
    live: () => Array.from(wss.clients).filter((c) => c.readyState === WebSocket.OPEN).length,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        wss.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The open packet a raw server sends. */
export function openPacket(
  opts: { pingInterval?: number; pingTimeout?: number; maxPayload?: number } = {},
): string {
  return `0${JSON.stringify({
    sid: `raw${Math.random().toString(36).slice(2)}`,
    upgrades: [],
    pingInterval: opts.pingInterval ?? 25_000,
    pingTimeout: opts.pingTimeout ?? 20_000,
    maxPayload: opts.maxPayload ?? 1_000_000,
  })}`;
}

/** Sockets created by `client()`, closed by `closeClients()`. */
const clients = new Set<Socket<DefaultEventsMap, DefaultEventsMap>>();

/**
 * A client socket over the `ws` package (unless `opts.transport` says otherwise), forceNew, fast
 * reconnection; tracked for cleanup.
 *
 * @example
 * const socket = client(server.url + '/chat');
 */
export function client<L extends EventsMap<L> = DefaultEventsMap, E extends EventsMap<E> = DefaultEventsMap>(
  uri: string,
  opts: Partial<IoOptions> = {},
): Socket<L, E> {
  const socket = io<L, E>(uri, {
    transport: webSocketTransport(WebSocket),
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    timeout: 5000,
    ...opts,
  });
  clients.add(socket as unknown as Socket<DefaultEventsMap, DefaultEventsMap>);
  return socket;
}

/** Drops every engine.io connection from the server side, as a network loss would. */
export function dropConnections(s: TestServer): void {
  const engine = s.io.engine as unknown as { clients: Record<string, { close(): void }> };
  for (const c of Object.values(engine.clients)) c.close();
}

/** Closes every client created by `client()`. */
export function closeClients(): void {
  for (const socket of clients) {
    socket.disconnect();
    socket.io.close();
  }
  clients.clear();
}

/**
 * Resolves with the arguments of the next `event` (bounded: rejects after `ms`).
 *
 * @example
 * await once(socket, 'connect');
 */
export function once<T extends unknown[] = unknown[]>(
  emitter: { once: (...args: never[]) => unknown; off: (...args: never[]) => unknown },
  event: string,
  ms = 10_000,
): Promise<T> {
  // Loosely typed on purpose: works for our Socket/Manager and for socket.io's server-side emitters.
  const target = emitter as unknown as {
    once(ev: string, fn: (...args: unknown[]) => void): unknown;
    off(ev: string, fn: (...args: unknown[]) => void): unknown;
  };
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    target.once(event, listener);
  });
}

/** Waits until `predicate()` holds, polling; bounded. For state with no event to await. */
export async function waitFor(predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Narrows an unknown value to a ClientError (for assertions). */
export function asClientError(value: unknown): ClientError {
  if (!(value instanceof ClientError)) throw new Error(`expected a ClientError, got ${String(value)}`);
  return value;
}
