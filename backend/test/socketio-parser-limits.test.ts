/**
 * Issue 12 §1: a Socket.IO binary packet header that promises more attachments than it will ever send
 * (`451000000-["x"]`) made socket.io-parser 4.2.4 buffer every binary frame that followed — one
 * unauthenticated connection took the server from 147 MB to 1.5 GB. The parser resolved in the lockfile
 * (4.2.7, see `dependency-advisories.test.ts`) refuses such headers: the server closes the connection at
 * once, before any frame is buffered, on the main namespace and on ours alike, without authentication.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { nextEvent } from './support/events';
import { openRawSocket, type RawSocket } from './support/raw-socket';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

const servers: RunningServer[] = [];
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function rawClient() {
  const server = await startTestServer({ env: { AUTH_ALLOW_ANONYMOUS: 'false' } });
  servers.push(server);
  const raw = await openRawSocket(server.url);
  sockets.push(raw);
  return { server, raw };
}

/** What the attacker streams after the header: 20 binary frames of 512 KiB (10 MiB). */
const FRAMES = Array.from({ length: 20 }, () => new Uint8Array(512 * 1024).fill(7));

describe('socket.io-parser refuses lying attachment counts', () => {
  it.each([
    ['a huge count on /', '451000000-["x"]'],
    ['a huge count on /realtime-voice', '451000000-/realtime-voice,["audio"]'],
    ['one above the parser maximum (10)', '4511-["x"]'],
    ['zero attachments', '450-["x"]'],
    ['a huge count in a binary ack', '461000000-/realtime-voice,0["x"]'],
  ])('%s: the connection is closed before any frame is buffered', async (_name, header) => {
    const { server, raw } = await rawClient();
    raw.send(header);
    for (const frame of FRAMES) raw.send(frame);
    const code = await Promise.race([
      raw.closed,
      new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 5_000)),
    ]);
    expect(code).not.toBe('open');
    // Nothing of the connection is left on the server to hold frames.
    expect(server.io.engine.clientsCount).toBe(0);
  });

  it('still accepts an honest binary packet (one attachment) and keeps the connection', async () => {
    const { raw } = await rawClient();
    const message = () => nextEvent<Buffer>(raw.ws, 'message', 5_000).then(String);
    const connected = message();
    raw.send(`40/realtime-voice,${JSON.stringify({ token: await tokenFor('honest') })}`);
    expect(await connected).toMatch(/^40\/realtime-voice,\{"sid"/);
    // Audio without a session: the server decodes the packet and answers NO_SESSION.
    const answer = message();
    raw.send('451-/realtime-voice,["audio",{"_placeholder":true,"num":0}]');
    raw.send(new Uint8Array([1, 2, 3, 4]));
    expect(await answer).toMatch(/^42\/realtime-voice,\["session-error",\{"code":"NO_SESSION"/);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  });
});
