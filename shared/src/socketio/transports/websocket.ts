/**
 * @module websocket — the transport for a WHATWG `WebSocket`: browsers (and uni-app H5), Node ≥ 22's
 * global, or the `ws` package on Node 20.
 */
import { isArrayBuffer } from '../engine-io-parser';
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
    open({ url }: TransportRequest, listener: TransportListener): TransportConnection {
      const Ctor =
        WebSocketCtor ??
        // Behind a typeof check: iOS JavaScriptCore before 12.2 has no globalThis.
        (typeof globalThis === 'object'
          ? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
          : undefined);
      let closed = false;
      const fail = (error: ClientError) =>
        setTimeout(() => {
          // Reported asynchronously, as the Transport contract asks (never during `open`).
          if (closed) return;
          closed = true;
          listener.onError(error);
          listener.onClose({ reason: error.message });
        });
      let ws: WebSocketLike | undefined;
      if (typeof Ctor !== 'function') {
        fail(new ClientError('TRANSPORT_UNAVAILABLE', 'No WebSocket: use webSocketTransport(WebSocket)'));
      } else if (url === undefined) {
        fail(new ClientError('TRANSPORT_UNAVAILABLE', 'websocket needs a full URL, not a bare /nsp'));
      } else {
        try {
          ws = new Ctor(url);
        } catch (e) {
          fail(new ClientError('TRANSPORT_ERROR', `Cannot open ${url}`, e));
        }
      }
      if (ws) {
        let error: ClientError | undefined;
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => closed || listener.onOpen();
        ws.onmessage = ({ data }) => {
          if (closed) return;
          if (typeof data === 'string' || isArrayBuffer(data)) {
            listener.onMessage(data);
          } else if (ArrayBuffer.isView(data)) {
            // Some implementations ignore binaryType: hand over exactly the view's bytes.
            listener.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer);
          }
        };
        ws.onerror = (event) => {
          if (closed || error) return;
          const message = (event as { message?: unknown } | null)?.message;
          error = new ClientError('TRANSPORT_ERROR', `WebSocket error ${message || ''} (${url})`, event);
          listener.onError(error);
        };
        ws.onclose = (event) => {
          if (closed) return;
          closed = true;
          listener.onClose({ code: event?.code, reason: event?.reason || '' });
        };
      }
      return {
        send(data) {
          if (!closed) ws?.send(data);
        },
        close() {
          if (closed) return;
          closed = true;
          try {
            ws?.close();
          } catch {
            // Closing a socket that never connected may throw in some implementations.
          }
        },
      };
    },
  };
}
