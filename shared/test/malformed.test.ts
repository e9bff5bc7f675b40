/**
 * Malformed frames from a server (a raw `ws` server scripted to misbehave) never throw out of the
 * client and never leave it half-open: the connection is closed with reason `parse error` (details
 * PARSE_ERROR) and the client reconnects cleanly, holding one connection at a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { ClientError } from '../src/socketio/index';
import { client, closeClients, once, openPacket, type RawServer, startRawServer } from './support/server';

let raw: RawServer | undefined;
afterEach(async () => {
  closeClients();
  await raw?.close();
  raw = undefined;
});

type Frame = string | Buffer;

/** The first connection accepts the namespace, then sends `frames`; later connections behave. */
async function misbehave(frames: Frame[]): Promise<RawServer> {
  return startRawServer((ws: WebSocket, index: number) => {
    ws.send(openPacket());
    ws.on('message', (data, isBinary) => {
      if (isBinary || data.toString() !== '40') return;
      ws.send(`40{"sid":"conn${index}"}`);
      if (index === 0) for (const frame of frames) ws.send(frame, { binary: typeof frame !== 'string' });
    });
  });
}

const cases: Array<[string, Frame[]]> = [
  ['garbage text', ['garbage']],
  ['unknown Engine.IO type', ['9hello']],
  ['empty Engine.IO message', ['4']],
  ['garbage Socket.IO packet', ['4xyz']],
  ['unknown Socket.IO type', ['49["a"]']],
  ['invalid JSON', ['42["a"']],
  ['bad attachments count', ['451x-["a",{"_placeholder":true,"num":0}]']],
  ['placeholder beyond the attachments', ['451-["a",{"_placeholder":true,"num":3}]']],
  ['invalid namespace', ['42abc,["a"]']],
  ['event name not a string', ['42[{"a":1}]']],
  ['reserved event name', ['42["connect"]']],
  ['event payload not an array', ['42{"a":1}']],
  ['ack without id', ['43["a"]']],
  ['ack id not an integer', ['431.5["a"]']],
  ['connect error without payload', ['44']],
  ['binary frame when none expected', [Buffer.from([1, 2, 3])]],
  ['text frame while an attachment is expected', ['451-["a",{"_placeholder":true,"num":0}]', '42["b"]']],
  ['second handshake', [openPacket()]],
];

describe('malformed frames', () => {
  it.each(cases)('%s ⇒ parse error, clean reconnect', async (_name, frames) => {
    raw = await misbehave(frames);
    const socket = client(raw.url);
    // Listeners first: the bad frame arrives right behind the CONNECT reply, in the same tick.
    const ids: Array<string | undefined> = [];
    const disconnects: Array<[string, ClientError | undefined]> = [];
    socket.on('connect', () => ids.push(socket.id));
    socket.on('disconnect', (reason, details) => disconnects.push([reason, details]));
    await once(socket, 'disconnect');
    await once(socket, 'connect');
    expect(ids).toEqual(['conn0', 'conn1']);
    expect(disconnects.length).toBe(1);
    const [reason, details] = disconnects[0] as [string, ClientError];
    expect(reason).toBe('parse error');
    expect(details.code).toBe('PARSE_ERROR');
    expect(socket.connected).toBe(true);
    expect(raw.connections()).toBe(2);
    // The malformed connection was closed by the client: at most the new one is open.
    expect(raw.live()).toBeLessThanOrEqual(1);
  });

  it('a malformed packet for another namespace also resets the shared connection, and every namespace comes back', async () => {
    raw = await startRawServer((ws, index) => {
      ws.send(openPacket());
      ws.on('message', (data) => {
        const text = data.toString();
        const match = /^40(\/\w+)?,?/.exec(text);
        if (!match) return;
        const nsp = match[1];
        ws.send(nsp ? `40${nsp},{"sid":"${nsp}${index}"}` : `40{"sid":"root${index}"}`);
        if (index === 0 && nsp === '/b') ws.send('42/b,[null]');
      });
    });
    const a = client(`${raw.url}/a`);
    const b = a.io.socket('/b');
    const reasons: string[] = [];
    a.on('disconnect', (r) => reasons.push(`a:${r}`));
    b.on('disconnect', (r) => reasons.push(`b:${r}`));
    await once(b, 'disconnect');
    await Promise.all([
      a.connected ? undefined : once(a, 'connect'),
      b.connected ? undefined : once(b, 'connect'),
    ]);
    expect(reasons.sort()).toEqual(['a:parse error', 'b:parse error']);
    expect(a.id).toBe('/a1');
    expect(b.id).toBe('/b1');
  });
});
