/**
 * @module websocket — the transport for a WHATWG `WebSocket`: browsers (and uni-app H5), Node ≥ 22's
 * global, or the `ws` package on Node 20.
 */
import { toFrame } from '../engine-io-parser';
import { ClientError } from '../errors';
import type {
  Transport,
  TransportCloseDetails,
  TransportConnection,
  TransportListener,
  TransportRequest,
} from './transport';

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
    open({ url }: TransportRequest, listener: TransportListener): TransportConnection {
      const Ctor =
        WebSocketCtor ||
        // Behind a typeof check: iOS JavaScriptCore before 12.2 has no globalThis.
        (typeof globalThis === 'object'
          ? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
          : undefined);
      let closed = false;
      let error: ClientError | undefined;
      let ws: WebSocketLike | undefined;
      const end = (details: TransportCloseDetails): void => {
        if (!closed) {
          closed = true;
          listener.onClose(details);
        }
      };
      try {
        // No WebSocket constructor, or a bare `/nsp` URI (no server URL to open).
        if (typeof Ctor !== 'function' || url === undefined) {
          throw new ClientError(
            'TRANSPORT_UNAVAILABLE',
            'Needs webSocketTransport(WebSocket) and a full URL',
          );
        }
        ws = new Ctor(url);
      } catch (e) {
        const failure =
          e instanceof ClientError ? e : new ClientError('TRANSPORT_ERROR', `Cannot open ${url}`, e);
        // Reported asynchronously, as the Transport contract asks (never during `open`).
        setTimeout(() => {
          if (closed) return;
          listener.onError(failure);
          end({ reason: failure.message });
        });
      }
      if (ws) {
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => closed || listener.onOpen();
        ws.onmessage = ({ data }) => {
          // Some implementations ignore binaryType: toFrame copies a view to exactly its bytes.
          const frame = toFrame(data);
          if (!closed && frame !== undefined) listener.onMessage(frame);
        };
        ws.onerror = (event) => {
          if (!(closed || error)) {
            // Object(): some implementations call onerror without an event. `ws` puts the cause in `message`.
            const { message } = Object(event) as { message?: unknown };
            error = new ClientError('TRANSPORT_ERROR', `WebSocket error ${message || ''} (${url})`, event);
            listener.onError(error);
          }
        };
        ws.onclose = (event) => {
          // Object(): some implementations call onclose without an event.
          const { code, reason } = Object(event) as { code?: number; reason?: string };
          end({ code, reason: reason || '' });
        };
      }
      return {
        send(data) {
          if (!closed && ws) ws.send(data);
        },
        close() {
          if (closed) return;
          closed = true;
          try {
            if (ws) ws.close();
          } catch {
            // Closing a socket that never connected may throw in some implementations.
          }
        },
      };
    },
  };
}
