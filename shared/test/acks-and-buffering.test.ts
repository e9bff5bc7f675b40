/**
 * Acks (callbacks, timeout, emitWithAck, retries at-least-once), the bounded offline buffer, volatile
 * emits, and payloads over the server's maxPayload — against the official server.
 */
import type { Socket as ServerSocket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientError } from '../src/socketio/index';
import {
  asClientError,
  client,
  closeClients,
  once,
  startServer,
  type TestServer,
  waitFor,
} from './support/server';

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

describe('acks', () => {
  it('timeout(ms).emit: the callback gets ACK_TIMEOUT first when no ack comes, (null, reply) when it does', async () => {
    server = await startServer();
    server.io.on('connection', (s) => {
      s.on('silent', () => {});
      s.on('reply', (cb: (v: string) => void) => cb('ok'));
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    const [err] = await new Promise<unknown[]>((resolve) =>
      socket.timeout(100).emit('silent', (...a: unknown[]) => resolve(a)),
    );
    expect(asClientError(err).code).toBe('ACK_TIMEOUT');
    const ok = await new Promise<unknown[]>((resolve) =>
      socket.timeout(5000).emit('reply', (...a: unknown[]) => resolve(a)),
    );
    expect(ok).toEqual([null, 'ok']);
  });

  it('emitWithAck resolves with the reply and rejects with ACK_TIMEOUT (timeout or ackTimeout option)', async () => {
    server = await startServer();
    server.io.on('connection', (s) => {
      s.on('double', (n: number, cb: (v: number) => void) => cb(n * 2));
      s.on('silent', () => {});
    });
    const socket = client(server.url, { ackTimeout: 100 });
    await once(socket, 'connect');
    expect(await socket.emitWithAck('double', 21)).toBe(42);
    await expect(socket.timeout(80).emitWithAck('silent')).rejects.toMatchObject({ code: 'ACK_TIMEOUT' });
    await expect(socket.emitWithAck('silent')).rejects.toMatchObject({ code: 'ACK_TIMEOUT' });
  });

  it('pending error-first acks fail with DISCONNECTED when the connection drops; plain callbacks are not called', async () => {
    server = await startServer();
    server.io.on('connection', (s) => s.on('hang', () => s.conn.close()));
    const socket = client(server.url);
    await once(socket, 'connect');
    let plainCalled = false;
    socket.emit('hang', () => {
      plainCalled = true;
    });
    await expect(socket.emitWithAck('hang')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(plainCalled).toBe(false);
  });

  it('retries + ackTimeout: at-least-once delivery, one packet in flight, in order', async () => {
    server = await startServer();
    const deliveries: string[] = [];
    server.io.on('connection', (s) => {
      s.on('job', (name: string, cb: (r: string) => void) => {
        deliveries.push(name);
        // Ignore the first two deliveries of "a": the client must resend it.
        if (name === 'a' && deliveries.filter((d) => d === 'a').length <= 2) return;
        cb(`done ${name}`);
      });
    });
    const socket = client(server.url, { retries: 3, ackTimeout: 100 });
    await once(socket, 'connect');
    const results: unknown[][] = [];
    const done = new Promise<void>((resolve) => {
      socket.emit('job', 'a', (...r: unknown[]) => results.push(r));
      socket.emit('job', 'b', (...r: unknown[]) => {
        results.push(r);
        resolve();
      });
    });
    await done;
    expect(deliveries).toEqual(['a', 'a', 'a', 'b']);
    expect(results).toEqual([
      [null, 'done a'],
      [null, 'done b'],
    ]);
  });

  it('retries exhausted: the callback gets the ACK_TIMEOUT error after retries + 1 deliveries', async () => {
    server = await startServer();
    let deliveries = 0;
    server.io.on('connection', (s) => s.on('never', () => deliveries++));
    const socket = client(server.url, { retries: 2, ackTimeout: 60 });
    await once(socket, 'connect');
    const [err] = await new Promise<unknown[]>((resolve) =>
      socket.emit('never', (...r: unknown[]) => resolve(r)),
    );
    expect(asClientError(err).code).toBe('ACK_TIMEOUT');
    expect(deliveries).toBe(3);
  });

  it('retries survive a reconnection: the unacked packet is resent after the connection comes back', async () => {
    server = await startServer();
    let deliveries = 0;
    server.io.on('connection', (s) => {
      s.on('once-dropped', (cb: (r: string) => void) => {
        deliveries++;
        if (deliveries === 1) s.conn.close();
        else cb('finally');
      });
    });
    const socket = client(server.url, { retries: 5, ackTimeout: 2000 });
    await once(socket, 'connect');
    const result = await new Promise<unknown[]>((resolve) =>
      socket.emit('once-dropped', (...r: unknown[]) => resolve(r)),
    );
    expect(result).toEqual([null, 'finally']);
    expect(deliveries).toBe(2);
  });
});

describe('offline buffer and volatile', () => {
  it('buffers emits while disconnected up to maxBufferedPackets and sends them in order on connect', async () => {
    server = await startServer();
    const got: number[] = [];
    server.io.on('connection', (s) => s.on('n', (n: number) => got.push(n)));
    const socket = client(server.url, { autoConnect: false, maxBufferedPackets: 3 });
    const emitErrors: Array<[ClientError, string | undefined]> = [];
    socket.on('emit_error', (e, ev) => emitErrors.push([e, ev]));
    const ackErrors: unknown[] = [];
    for (let n = 1; n <= 3; n++) socket.emit('n', n);
    socket.emit('n', 4);
    socket.timeout(5000).emit('n', 5, (e: unknown) => ackErrors.push(e));
    await expect(socket.emitWithAck('n', 6)).rejects.toMatchObject({ code: 'BUFFER_FULL' });
    expect(emitErrors.map(([e, ev]) => [e.code, ev])).toEqual([
      ['BUFFER_FULL', 'n'],
      ['BUFFER_FULL', 'n'],
      ['BUFFER_FULL', 'n'],
    ]);
    expect(asClientError(ackErrors[0]).code).toBe('BUFFER_FULL');
    socket.connect();
    await once(socket, 'connect');
    await waitFor(() => got.length === 3, 5000, 'the buffered packets');
    expect(got).toEqual([1, 2, 3]);
  });

  it('volatile emits are dropped while disconnected and delivered while connected', async () => {
    server = await startServer();
    const got: string[] = [];
    server.io.on('connection', (s) => {
      s.on('v', (x: string) => got.push(x));
      s.on('sync', (cb: () => void) => cb());
    });
    const socket = client(server.url, { autoConnect: false });
    socket.volatile.emit('v', 'dropped');
    socket.emit('v', 'buffered');
    socket.connect();
    await once(socket, 'connect');
    socket.volatile.emit('v', 'live');
    await socket.emitWithAck('sync');
    expect(got).toEqual(['buffered', 'live']);
  });
});

describe('payload over maxPayload', () => {
  it('fails with PAYLOAD_TOO_LARGE (ack + emit_error), not a disconnect; the socket keeps working', async () => {
    server = await startServer({ maxHttpBufferSize: 1000 });
    const got: unknown[] = [];
    let serverDisconnects = 0;
    server.io.on('connection', (s: ServerSocket) => {
      s.on('data', (d: unknown, cb?: (r: string) => void) => {
        got.push(d);
        cb?.('ok');
      });
      s.on('disconnect', () => serverDisconnects++);
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    expect(socket.io.engine?.handshake?.maxPayload).toBe(1000);
    const emitErrors: ClientError[] = [];
    socket.on('emit_error', (e) => emitErrors.push(e));
    let disconnected = false;
    socket.on('disconnect', () => {
      disconnected = true;
    });
    // Text: a multi-byte string whose UTF-8 size (not its length) is over the limit.
    const big = '中'.repeat(400);
    await expect(socket.emitWithAck('data', big)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Binary attachment over the limit, no ack: reported through emit_error only.
    socket.emit('data', new Uint8Array(1500));
    expect(emitErrors.map((e) => e.code)).toEqual(['PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE']);
    expect(emitErrors[1]?.data).toMatchObject({ size: 1500, maxPayload: 1000 });
    // Nothing of the rejected packets went out, and the connection is intact.
    expect(await socket.emitWithAck('data', 'small')).toBe('ok');
    expect(got).toEqual(['small']);
    expect(disconnected).toBe(false);
    expect(serverDisconnects).toBe(0);
    expect(socket.connected).toBe(true);
  });

  it('a packet just under the limit goes through', async () => {
    server = await startServer({ maxHttpBufferSize: 1000 });
    server.io.on('connection', (s) => s.on('data', (d: string, cb: (n: number) => void) => cb(d.length)));
    const socket = client(server.url);
    await once(socket, 'connect');
    // '42["data","' + x + '",0]' framing: leave room for it.
    const payload = 'x'.repeat(950);
    expect(await socket.emitWithAck('data', payload)).toBe(950);
  });

  it('a buffered packet that is too large is rejected when flushed after connect', async () => {
    server = await startServer({ maxHttpBufferSize: 500 });
    const socket = client(server.url, { autoConnect: false });
    const pending = socket.emitWithAck('data', 'y'.repeat(800));
    socket.connect();
    await expect(pending).rejects.toBeInstanceOf(ClientError);
    await expect(pending).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(socket.connected).toBe(true);
  });
});

// Found by reviewing the client against socket.io-client 4.8 and docs/client.md: each failed before its fix.
describe('volatile emits with an ack', () => {
  it('volatile.emitWithAck while offline settles (rejects) instead of pending forever', async () => {
    server = await startServer();
    const url = server.url;
    await server.close();
    server = undefined;
    const socket = client(url);
    // Rejected in the emit itself: a volatile packet is dropped, not buffered.
    const outcome = socket.volatile.emitWithAck('level', 0.3);
    await expect(outcome).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(socket.connected).toBe(false);
  });
});
