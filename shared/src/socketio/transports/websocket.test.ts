import { describe, expect, it } from 'vitest';
import type { ClientError } from '../errors';
import type { TransportCloseDetails, TransportListener } from './transport';
import { type WebSocketLike, webSocketTransport } from './websocket';

/** A scripted WHATWG-like WebSocket. */
class FakeWebSocket implements WebSocketLike {
  static last: FakeWebSocket | undefined;
  binaryType = 'blob';
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onerror: WebSocketLike['onerror'] = null;
  onclose: WebSocketLike['onclose'] = null;
  sent: Array<string | ArrayBuffer> = [];
  closed = 0;
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }
  send(data: string | ArrayBuffer): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed++;
  }
}

function recorder(): TransportListener & { events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    onOpen: () => events.push('open'),
    onMessage: (d) => events.push(d),
    onError: (e: ClientError) => events.push(`error:${e.code}`),
    onClose: (d: TransportCloseDetails) => events.push(d),
  };
}

const request = {
  url: 'ws://h/socket.io/?EIO=4&transport=websocket',
  path: '/socket.io/?EIO=4&transport=websocket',
};

describe('webSocketTransport', () => {
  it('opens with the URL, binaryType arraybuffer, and passes frames through exactly', () => {
    const listener = recorder();
    const conn = webSocketTransport(FakeWebSocket).open(request, listener);
    const ws = FakeWebSocket.last as FakeWebSocket;
    expect(ws.url).toBe(request.url);
    expect(ws.binaryType).toBe('arraybuffer');
    ws.onopen?.({});
    const buf = new Uint8Array([1, 2]).buffer;
    ws.onmessage?.({ data: '2' });
    ws.onmessage?.({ data: buf });
    // An implementation that ignores binaryType and hands a view: exactly the view's bytes.
    ws.onmessage?.({ data: new Uint8Array([9, 3, 4, 9]).subarray(1, 3) });
    conn.send('3');
    conn.send(buf);
    expect(ws.sent).toEqual(['3', buf]);
    const [, , , view] = listener.events as [unknown, unknown, unknown, ArrayBuffer];
    expect(listener.events.slice(0, 3)).toEqual(['open', '2', buf]);
    expect(Array.from(new Uint8Array(view))).toEqual([3, 4]);
  });

  it('reports an error then a close, once; nothing after close()', () => {
    const listener = recorder();
    const conn = webSocketTransport(FakeWebSocket).open(request, listener);
    const ws = FakeWebSocket.last as FakeWebSocket;
    ws.onerror?.({ message: 'ECONNREFUSED' });
    ws.onerror?.({});
    ws.onclose?.({ code: 1006, reason: '' });
    ws.onclose?.({ code: 1006, reason: '' });
    expect(listener.events).toEqual(['error:TRANSPORT_ERROR', { code: 1006, reason: '' }]);
    const second = recorder();
    const conn2 = webSocketTransport(FakeWebSocket).open(request, second);
    const ws2 = FakeWebSocket.last as FakeWebSocket;
    conn2.close();
    conn2.close();
    ws2.onmessage?.({ data: 'late' });
    ws2.onclose?.({ code: 1000, reason: '' });
    conn2.send('ignored');
    expect(second.events).toEqual([]);
    expect(ws2.closed).toBe(1);
    expect(ws2.sent).toEqual([]);
    conn.close();
  });

  it('fails asynchronously (never throws from open) when the constructor throws', async () => {
    const listener = recorder();
    class Throwing extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        throw new SyntaxError('bad url');
      }
    }
    webSocketTransport(Throwing).open(request, listener);
    expect(listener.events).toEqual([]);
    await new Promise((r) => setTimeout(r, 5));
    expect(listener.events[0]).toBe('error:TRANSPORT_ERROR');
    expect(listener.events[1]).toMatchObject({ reason: expect.stringContaining('Cannot open') });
  });
});
