/**
 * @module clients — Socket.IO clients for tests behind one small interface: the official
 * `socket.io-client` (a client we did not write) and ours (`@realtime-voice/shared/socketio`), both over
 * a real WebSocket (`ws`), so each test can run against either.
 */

import { io as ourIo, webSocketTransport } from '@realtime-voice/shared/socketio';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import { io as officialIo } from 'socket.io-client';
import WebSocket from 'ws';

export type ClientKind = 'official' | 'ours';

// `never[]` so listeners may declare any parameter types (payloads are checked by the tests themselves).
type Listener = (...args: never[]) => void;

export interface TestClient {
  readonly kind: ClientKind;
  readonly connected: boolean;
  on(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void;
  once(event: string, listener: Listener): void;
  emit(event: string, ...args: unknown[]): void;
  /** Emits with an acknowledgement and resolves with its first argument. */
  ack<T = unknown>(event: string, ...args: unknown[]): Promise<T>;
  close(): void;
}

export interface ConnectOptions {
  readonly auth?: Record<string, unknown>;
  /** Headers on the WebSocket upgrade request (what Cloud Hosting injects). */
  readonly headers?: Record<string, string>;
  readonly namespace?: string;
}

export interface Refusal {
  readonly message: string;
  readonly code: string | undefined;
}

interface RawSocket {
  readonly connected: boolean;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  disconnect(): unknown;
}

function rawSocket(kind: ClientKind, baseUrl: string, options: ConnectOptions): RawSocket {
  const url = `${baseUrl}${options.namespace ?? VOICE_NAMESPACE}`;
  if (kind === 'official') {
    return officialIo(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.headers ? { extraHeaders: options.headers } : {}),
    }) as unknown as RawSocket;
  }
  const headers = options.headers;
  // A WHATWG WebSocket cannot set headers; a `ws` subclass can, standing in for Cloud Hosting's proxy.
  const Ctor = headers
    ? class extends WebSocket {
        constructor(address: string) {
          super(address, { headers });
        }
      }
    : WebSocket;
  return ourIo(url, {
    transport: webSocketTransport(Ctor),
    forceNew: true,
    reconnection: false,
    ...(options.auth ? { auth: options.auth } : {}),
  }) as unknown as RawSocket;
}

function wrap(kind: ClientKind, socket: RawSocket): TestClient {
  return {
    kind,
    get connected() {
      return socket.connected;
    },
    on: (event, listener) => void socket.on(event, listener),
    off: (event, listener) => void socket.off(event, listener),
    once: (event, listener) => void socket.once(event, listener),
    emit: (event, ...args) => void socket.emit(event, ...args),
    ack: <T>(event: string, ...args: unknown[]) =>
      socket.timeout(15_000).emitWithAck(event, ...args) as Promise<T>,
    close: () => void socket.disconnect(),
  };
}

/** Connects and resolves once the namespace is joined; rejects with the refusal otherwise. */
export function connectClient(
  kind: ClientKind,
  baseUrl: string,
  options: ConnectOptions = {},
): Promise<TestClient> {
  const socket = rawSocket(kind, baseUrl, options);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.disconnect();
      reject(new Error('timed out connecting'));
    }, 10_000);
    const onConnect = () => {
      cleanup();
      resolve(wrap(kind, socket));
    };
    const onError = (error: unknown) => {
      cleanup();
      socket.disconnect();
      reject(toRefusal(error));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/** Expects the connection to be refused and returns why. */
export async function refusal(
  kind: ClientKind,
  baseUrl: string,
  options: ConnectOptions = {},
): Promise<Refusal> {
  try {
    const client = await connectClient(kind, baseUrl, options);
    client.close();
  } catch (error) {
    if (error instanceof RefusalError) return { message: error.message, code: error.code };
    throw error;
  }
  throw new Error('the connection was accepted');
}

class RefusalError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function toRefusal(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const data = (error as Error & { data?: unknown }).data as
    | { code?: unknown; data?: { code?: unknown }; message?: unknown }
    | undefined;
  const code =
    typeof data?.code === 'string'
      ? data.code
      : typeof data?.data?.code === 'string'
        ? data.data.code
        : undefined;
  return new RefusalError(error.message, code);
}
