/**
 * Issue 12 §4: when a shutdown overruns its flush limit (`SHUTDOWN_TIMEOUT_SECONDS`: an engine that never
 * finishes), the clients of the sessions it cuts are still told `SERVER_RESTARTING` before their transport
 * closes — also one whose `start` was still opening its engine and one whose `stop` was still flushing —
 * while a connection without a session is told nothing, and no client is told twice.
 */
import type { StartAck, VoiceError } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import type { SpeechEngine } from '../src/speech';
import { connectClient, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { chunks, createFakeEngine, loud } from './support/fake-engine';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

const servers: RunningServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** An engine whose flush never ends; with `holdCreate`, creating a stream waits until released. */
function hungEngine(options: { holdCreate?: Promise<void> } = {}): SpeechEngine {
  const base = createFakeEngine();
  return {
    ...base,
    name: 'fake',
    status: () => base.status(),
    close: () => base.close(),
    async createStream(streamOptions, listener) {
      await options.holdCreate;
      const stream = await base.createStream(streamOptions, listener);
      return {
        ...stream,
        write: (pcm) => stream.write(pcm),
        close: () => stream.close(),
        flush: () => new Promise<void>(() => {}),
      };
    },
  };
}

async function client(server: RunningServer, userId: string) {
  const socket = await connectClient('ours', server.url, { auth: { token: await tokenFor(userId) } });
  clients.push(socket);
  const seen: string[] = [];
  socket.on('session-error', (error: VoiceError & { sessionId?: string }) =>
    seen.push(`session-error:${error.code}`),
  );
  const closed = nextEvent<string>(socket, 'disconnect', 15_000).then((reason) => {
    seen.push(`disconnect:${reason}`);
  });
  return { socket, seen, closed };
}

describe('a shutdown that overruns its flush limit', () => {
  it('still tells each cut client SERVER_RESTARTING before closing its transport', async () => {
    const server = await startTestServer({ env: { SHUTDOWN_TIMEOUT_SECONDS: '1' }, engines: [hungEngine()] });
    servers.push(server);
    const speaking = await client(server, 'uma');
    const stopping = await client(server, 'vic');
    const idle = await client(server, 'wes');
    expect((await speaking.socket.ack<StartAck>('start', {})).ok).toBe(true);
    expect((await stopping.socket.ack<StartAck>('start', {})).ok).toBe(true);
    for (const chunk of chunks(loud(300))) {
      speaking.socket.emit('audio', chunk);
      stopping.socket.emit('audio', chunk);
    }
    // `stop` whose flush never ends: its ack never comes, the shutdown cuts it.
    let stopAnswered = false;
    stopping.socket.emit('stop', () => {
      stopAnswered = true;
    });
    // A round trip after the stop: the server has taken the stop in (events are handled in order).
    await stopping.socket.ack('audio', new Uint8Array(2));
    expect(server.sessions.activeCount).toBe(2);

    const began = Date.now();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await Promise.all([speaking.closed, stopping.closed, idle.closed]);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(speaking.seen).toEqual(['session-error:SERVER_RESTARTING', 'disconnect:transport close']);
    expect(stopping.seen).toEqual(['session-error:SERVER_RESTARTING', 'disconnect:transport close']);
    expect(idle.seen).toEqual(['disconnect:transport close']);
    expect(stopAnswered).toBe(false);
  });

  it('also tells a client whose start was still opening the engine', async () => {
    const never = new Promise<void>(() => {});
    const server = await startTestServer({
      env: { SHUTDOWN_TIMEOUT_SECONDS: '1' },
      engines: [hungEngine({ holdCreate: never })],
    });
    servers.push(server);
    const opening = await client(server, 'xia');
    opening.socket.emit('start', {}, () => undefined);
    await until(() => server.sessions.activeCount === 1, 5_000, 'a starting session');
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    await opening.closed;
    expect(opening.seen).toEqual(['session-error:SERVER_RESTARTING', 'disconnect:transport close']);
  });
});
