/**
 * Connection state recovery: a client whose connection drops (not a deliberate disconnect) and comes back
 * within the window gets the events it missed — here a `history:new` for a result stored meanwhile.
 */
import { io, webSocketTransport } from '@realtime-voice/shared/socketio';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeWav } from '../src/audio/wav';
import type { RunningServer } from '../src/server';
import { nextEvent } from './support/events';
import { concat, loud, quiet } from './support/fake-engine';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('connection state recovery', () => {
  it('replays history:new stored while our client was briefly disconnected', async () => {
    const token = await tokenFor('henry');
    const socket = io(`${server.url}${VOICE_NAMESPACE}`, {
      transport: webSocketTransport(WebSocket),
      forceNew: true,
      auth: { token },
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    try {
      await nextEvent(socket, 'connect');
      // Recovery needs an offset: the client must have received at least one event first.
      const upload = () =>
        fetch(`${server.url}/api/recognize`, {
          method: 'POST',
          body: encodeWav(concat(loud(300), quiet(400))),
          headers: { 'content-type': 'audio/wav', authorization: `Bearer ${token}` },
        });
      const first = nextEvent<TranscriptRecord>(socket, 'history:new');
      await upload();
      await first;

      // Drop the transport from the server side, as a network blip would.
      const serverSocket = [...server.namespace.sockets.values()].find(
        (s) => s.data.identity.userId === 'henry',
      );
      expect(serverSocket).toBeDefined();
      const dropped = nextEvent(socket, 'disconnect');
      serverSocket?.conn.close();
      await dropped;
      // Stored while the client is away.
      const missed = (await (await upload()).json()) as { records: TranscriptRecord[] };

      const replayed = nextEvent<TranscriptRecord>(socket, 'history:new');
      await nextEvent(socket, 'connect');
      expect(socket.recovered).toBe(true);
      expect((await replayed).id).toBe(missed.records[0]?.id);
    } finally {
      socket.disconnect();
    }
  });
});
