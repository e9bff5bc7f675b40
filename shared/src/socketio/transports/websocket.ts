/**
 * @module websocket — the transport for a WHATWG `WebSocket`: browsers (and uni-app H5), Node ≥ 22's
 * global, or the `ws` package on Node 20.
 */
import { ClientError } from '../errors';
import type { Transport, TransportConnection, TransportListener, TransportRequest } from './transport';

/** Listener properties typed with method bivariance, so both DOM and `ws` WebSocket types fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WHATWG WebSocket this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onerror: Handler<unknown> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

/** A WHATWG WebSocket constructor (`WebSocket`, or `import WebSocket from 'ws'`). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * A transport over a WHATWG WebSocket constructor; defaults to `globalThis.WebSocket`. Opening fails with
 * TRANSPORT_UNAVAILABLE when there is none (or when the client was created from a bare namespace).
 *
 * @example
 * import WebSocket from 'ws';
 * const socket = io('http://127.0.0.1:3000/chat', { transport: webSocketTransport(WebSocket) });
 */
export function webSocketTransport(WebSocketCtor?: WebSocketConstructor): Transport {
  return {
    name: 'websocket',
    open(request: TransportRequest, listener: TransportListener): TransportConnection {
      const Ctor = WebSocketCtor ?? globalWebSocket();
      if (Ctor === undefined || request.url === undefined) {
        const error =
          Ctor === undefined
            ? new ClientError(
                'TRANSPORT_UNAVAILABLE',
                'No WebSocket constructor: pass one, e.g. webSocketTransport(WebSocket) with `ws` on Node 20, ' +
                  'or use connectSocketTransport / connectContainerTransport in a mini-program.',
              )
            : new ClientError(
                'TRANSPORT_UNAVAILABLE',
                'The websocket transport needs a full URL (http(s)://host/namespace), not a bare namespace.',
              );
        return failLater(listener, error);
      }
      let ws: WebSocketLike;
      try {
        ws = new Ctor(request.url);
      } catch (e) {
        return failLater(
          listener,
          new ClientError('TRANSPORT_ERROR', `Cannot open a WebSocket to ${request.url}.`, e),
        );
      }
      let closed = false;
      let error: ClientError | undefined;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        if (!closed) listener.onOpen();
      };
      ws.onmessage = (event) => {
        if (closed) return;
        const { data } = event;
        if (typeof data === 'string' || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
          listener.onMessage(data as string | ArrayBuffer);
        } else if (ArrayBuffer.isView(data)) {
          // Some implementations ignore binaryType: hand over exactly the view's bytes.
          listener.onMessage(
            data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
          );
        }
      };
      ws.onerror = (event) => {
        if (closed || error) return;
        const message = (event as { message?: unknown } | null)?.message;
        error = new ClientError(
          'TRANSPORT_ERROR',
          `WebSocket error${typeof message === 'string' && message ? `: ${message}` : ''} (${request.url}).`,
          event,
        );
        listener.onError(error);
      };
      ws.onclose = (event) => {
        if (closed) return;
        closed = true;
        listener.onClose({ code: event?.code, reason: event?.reason ?? '' });
      };
      return {
        send(data) {
          if (!closed) ws.send(data);
        },
        close() {
          if (closed) return;
          closed = true;
          try {
            ws.close();
          } catch {
            // Closing a socket that never connected may throw in some implementations.
          }
        },
      };
    },
  };
}

function globalWebSocket(): WebSocketConstructor | undefined {
  const g: { WebSocket?: unknown } | undefined = typeof globalThis === 'undefined' ? undefined : globalThis;
  return typeof g?.WebSocket === 'function' ? (g.WebSocket as WebSocketConstructor) : undefined;
}

/** Reports a failure asynchronously, as the Transport contract asks (never during `open`). */
function failLater(listener: TransportListener, error: ClientError): TransportConnection {
  let cancelled = false;
  setTimeout(() => {
    if (cancelled) return;
    cancelled = true;
    listener.onError(error);
    listener.onClose({ reason: error.message });
  }, 0);
  return {
    send() {},
    close() {
      cancelled = true;
    },
  };
}
