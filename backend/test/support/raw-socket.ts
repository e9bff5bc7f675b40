/**
 * @module raw-socket — a bare Engine.IO WebSocket to the server, speaking frames by hand as a hostile client
 * would (no Socket.IO client in between to tidy them up). Used by the parser-limit tests and the fuzz
 * harness (`bench/fuzz.ts`).
 */
import WebSocket from 'ws';

export interface RawSocket {
  readonly ws: WebSocket;
  /** The Engine.IO open packet (`0{"sid":…}`) the server sent first. */
  readonly open: string;
  /** Resolves with the close code once the connection closed (by either side). */
  readonly closed: Promise<number>;
  /** Text frames received so far (pings included). */
  readonly received: string[];
  send(frame: string | Uint8Array): void;
  close(): void;
}

/**
 * Opens `ws://…/socket.io/?EIO=4&transport=websocket` and resolves once the server's open packet arrived.
 * Answers pings so that a long-lived raw socket is not dropped for missing heartbeats.
 *
 * @example
 * const raw = await openRawSocket(server.url);
 * raw.send('40/realtime-voice,{"token":"…"}');
 */
export function openRawSocket(
  baseUrl: string,
  options: { readonly headers?: Record<string, string>; readonly timeoutMs?: number } = {},
): Promise<RawSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { headers: options.headers ?? {} });
  const received: string[] = [];
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  // An error (reset, refused) is followed by `close`; without a listener it would throw.
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('raw socket: no Engine.IO open packet in time'));
    }, options.timeoutMs ?? 10_000);
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`raw socket: closed (${code}) before the open packet`));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      received.push(text);
      if (text === '2' && ws.readyState === WebSocket.OPEN) ws.send('3');
      if (text.startsWith('0{')) {
        clearTimeout(timer);
        resolve({
          ws,
          open: text,
          closed,
          received,
          send(frame) {
            if (ws.readyState === WebSocket.OPEN) ws.send(frame);
          },
          close() {
            ws.terminate();
          },
        });
      }
    });
  });
}
