/**
 * Malformed frames from a server (a raw `ws` server scripted to misbehave) never throw out of the
 * client and never leave it half-open: the connection is closed with reason `parse error` (details
 * PARSE_ERROR) and the client reconnects cleanly, holding one connection at a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { ClientError } from '../src/socketio/index';
import {
  client,
  closeClients,
  once,
  openPacket,
  type RawServer,
  startRawServer,
  startServer,
  type TestServer,
} from './support/server';

let raw: RawServer | undefined;
let official: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await raw?.close();
  await official?.close();
  raw = undefined;
  official = undefined;
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
  // Issue 12 §5: 6 KB of nesting made the recursive walkers throw RangeError out of the data handler.
  [
    'binary packet nested 3,000 deep',
    [`451-["a",${'['.repeat(3000)}{"_placeholder":true,"num":0}${']'.repeat(3000)}]`],
  ],
  [
    'binary packet nested 3,000 deep, completed',
    [`451-["a",${'{"a":'.repeat(3000)}{"_placeholder":true,"num":0}${'}'.repeat(3000)}]`, Buffer.from([1])],
  ],
  // socket.io-parser 4.2.6+ refuses more than 10 (its maxAttachments default): so does this client.
  ['more than 10 attachments', ['4511-["a",{"_placeholder":true,"num":0}]']],
  ['a billion attachments', ['451000000000-["a",{"_placeholder":true,"num":0}]']],
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

describe('a hostile official socket.io server (issue 12 §5)', () => {
  it('a binary event nested 1,000 deep (the official encoder overflows at 3,000) closes the connection with PARSE_ERROR; the client lives on and reconnects', async () => {
    official = await startServer();
    let deep: unknown = Buffer.from([1, 2, 3]);
    for (let level = 0; level < 1000; level++) deep = [deep];
    let connections = 0;
    official.io.on('connection', (serverSocket) => {
      // Only the first connection misbehaves; its encoder is socket.io-parser's, so this is a real frame.
      if (connections++ === 0) serverSocket.emit('deep', deep);
      else serverSocket.emit('fine', Buffer.from([4]));
    });
    const socket = client(official.url);
    const deepEvents: unknown[] = [];
    socket.on('deep', (value) => deepEvents.push(value));
    const [reason, details] = await once<[string, ClientError]>(socket, 'disconnect');
    expect(reason).toBe('parse error');
    expect(details.code).toBe('PARSE_ERROR');
    const [fine] = await once<[ArrayBuffer]>(socket, 'fine');
    expect(new Uint8Array(fine)).toEqual(new Uint8Array([4]));
    expect(deepEvents).toEqual([]);
    expect(connections).toBe(2);
  });
});
