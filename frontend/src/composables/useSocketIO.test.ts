import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { FAST_CLIENT_OPTIONS, fakeLifecycle } from '../../test/support/fake-platform';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { type UseSocketIOOptions, useSocketIO } from './useSocketIO';

const fast = FAST_CLIENT_OPTIONS;

function setup(server: FakeSocketServer, options: Partial<UseSocketIOOptions> = {}) {
  const scope = effectScope();
  const sio = scope.run(() =>
    useSocketIO({
      uri: 'http://fake.test/realtime-voice',
      transport: server.transport,
      clientOptions: fast,
      ...options,
    }),
  )!;
  return { scope, sio };
}

describe('useSocketIO', () => {
  it('connects at once and exposes status and id', async () => {
    const server = new FakeSocketServer();
    const { scope, sio } = setup(server);
    expect(sio.status.value).toBe('connecting');
    await until(() => sio.status.value === 'connected');
    expect(sio.id.value).toMatch(/^s\d+$/);
    expect(sio.error.value).toBeUndefined();
    expect(server.connections[0]?.path).toContain('EIO=4');
    scope.stop();
  });

  it('sends the auth payload with the namespace CONNECT', async () => {
    const server = new FakeSocketServer();
    const { scope, sio } = setup(server, { auth: { token: 'abc' } });
    await until(() => sio.status.value === 'connected');
    expect(server.authPayloads[0]).toEqual({ token: 'abc' });
    scope.stop();
  });

  it('waits for connect() when autoConnect is false', async () => {
    const server = new FakeSocketServer();
    const { scope, sio } = setup(server, { autoConnect: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(sio.status.value).toBe('idle');
    expect(server.connections).toHaveLength(0);
    sio.connect();
    await until(() => sio.status.value === 'connected');
    scope.stop();
  });

  it('shows reconnecting with the attempt count after a drop, then recovers', async () => {
    const server = new FakeSocketServer();
    const { scope, sio } = setup(server);
    await until(() => sio.status.value === 'connected');
    server.down = true;
    server.current?.drop();
    await until(() => sio.status.value === 'reconnecting' && sio.attempt.value >= 2);
    expect(sio.id.value).toBeUndefined();
    server.down = false;
    await until(() => sio.status.value === 'connected');
    expect(sio.attempt.value).toBe(0);
    expect(sio.error.value).toBeUndefined();
    scope.stop();
  });

  it('shows refused with the server message and does not retry', async () => {
    const server = new FakeSocketServer();
    server.refuseWith = 'unauthorized: token expired';
    const { scope, sio } = setup(server);
    await until(() => sio.status.value === 'refused');
    expect(sio.error.value?.code).toBe('CONNECT_REFUSED');
    expect(sio.error.value?.message).toContain('unauthorized: token expired');
    const attempts = server.authPayloads.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(server.authPayloads.length).toBe(attempts);
    // connect() after fixing the cause tries again.
    server.refuseWith = undefined;
    sio.connect();
    await until(() => sio.status.value === 'connected');
    scope.stop();
  });

  it('goes offline on disconnect() and back on connect()', async () => {
    const server = new FakeSocketServer();
    const { scope, sio } = setup(server);
    await until(() => sio.status.value === 'connected');
    sio.disconnect();
    expect(sio.status.value).toBe('offline');
    expect(sio.offlineReason.value).toBe('client');
    await new Promise((r) => setTimeout(r, 40));
    expect(sio.status.value).toBe('offline');
    sio.connect();
    await until(() => sio.status.value === 'connected');
    scope.stop();
  });

  it('gives up after reconnectionAttempts and says so', async () => {
    const server = new FakeSocketServer();
    server.down = true;
    const { scope, sio } = setup(server, { clientOptions: { ...fast, reconnectionAttempts: 2 } });
    await until(() => sio.status.value === 'offline');
    expect(sio.offlineReason.value).toBe('gave-up');
    scope.stop();
  });

  it('shows offline while the platform reports no network', async () => {
    const server = new FakeSocketServer();
    const lifecycle = fakeLifecycle();
    const { scope, sio } = setup(server, { lifecycle: lifecycle.source });
    await until(() => sio.status.value === 'connected');
    server.down = true;
    for (const l of lifecycle.listeners) l.network(false);
    expect(sio.online.value).toBe(false);
    server.current?.drop();
    await until(() => sio.status.value === 'offline');
    expect(sio.offlineReason.value).toBe('network');
    server.down = false;
    for (const l of [...lifecycle.listeners]) l.network(true);
    await until(() => sio.status.value === 'connected');
    scope.stop();
  });

  it('cleans up on scope dispose: socket closed, lifecycle unsubscribed', async () => {
    const server = new FakeSocketServer();
    const lifecycle = fakeLifecycle();
    const { scope, sio } = setup(server, { lifecycle: lifecycle.source });
    await until(() => sio.status.value === 'connected');
    expect(lifecycle.listeners.size).toBeGreaterThan(0);
    scope.stop();
    expect(sio.socket.connected).toBe(false);
    expect(lifecycle.listeners.size).toBe(0);
    await until(() => server.connections.every((c) => c.closed));
    // No reconnection after dispose.
    const count = server.connections.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(server.connections.length).toBe(count);
  });
});

describe('useSocketIO status', () => {
  it('stays offline (network lost) while the platform reports no network, across reconnection attempts', async () => {
    const server = new FakeSocketServer();
    const lifecycle = fakeLifecycle();
    const scope = effectScope();
    const sio = scope.run(() =>
      useSocketIO({
        uri: 'http://fake.test/realtime-voice',
        transport: server.transport,
        lifecycle: lifecycle.source,
        clientOptions: fast,
      }),
    )!;
    await until(() => sio.status.value === 'connected');
    server.down = true;
    for (const l of lifecycle.listeners) l.network(false);
    server.current?.drop();
    await until(() => sio.status.value === 'offline');
    // The Manager keeps its backoff timer while offline; its attempts must not claim "reconnecting".
    await until(() => sio.attempt.value >= 2);
    expect(sio.status.value).toBe('offline');
    expect(sio.offlineReason.value).toBe('network');
    scope.stop();
  });
});
