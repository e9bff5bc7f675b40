import { Decoder as OfficialDecoder, Encoder as OfficialEncoder } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { ClientError } from './errors';
import {
  Decoder,
  decodeString,
  encodePacket,
  hasBinary,
  isPacketValid,
  MAX_DEPTH,
  type Packet,
  PacketType,
} from './socket-io-parser';

const official = new OfficialEncoder();

function officialDecode(frames: Array<string | ArrayBuffer>): unknown {
  const decoder = new OfficialDecoder();
  let out: unknown;
  decoder.on('decoded', (p: unknown) => {
    out = p;
  });
  for (const f of frames) decoder.add(f as string);
  return out;
}

function decodeAll(frames: Array<string | ArrayBuffer>): Packet | ClientError | undefined {
  const decoder = new Decoder();
  let result: Packet | ClientError | undefined;
  for (const f of frames) result = decoder.add(f);
  return result;
}

describe('encodePacket', () => {
  const textPackets: Packet[] = [
    { type: PacketType.CONNECT, nsp: '/' },
    { type: PacketType.CONNECT, nsp: '/realtime-voice', data: { token: 'x' } },
    { type: PacketType.DISCONNECT, nsp: '/chat' },
    { type: PacketType.EVENT, nsp: '/', data: ['hello', 1, { a: [null, true] }] },
    { type: PacketType.EVENT, nsp: '/chat', id: 42, data: ['msg', 'é😀'] },
    { type: PacketType.ACK, nsp: '/', id: 0, data: [] },
    { type: PacketType.ACK, nsp: '/x', id: 7, data: ['ok'] },
  ];

  it('writes exactly what the official encoder writes', () => {
    for (const packet of textPackets) {
      expect(encodePacket(packet)).toEqual(official.encode({ ...packet } as never));
    }
  });

  it('turns binary EVENT/ACK into BINARY_EVENT/BINARY_ACK with placeholders, like the official encoder', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const packet: Packet = {
      type: PacketType.EVENT,
      nsp: '/realtime-voice',
      id: 1,
      data: ['audio', bytes.buffer, { n: [bytes.buffer] }],
    };
    const ours = encodePacket(packet);
    const theirs = official.encode({
      ...packet,
      data: ['audio', bytes.buffer, { n: [bytes.buffer] }],
    } as never);
    expect(ours[0]).toBe(theirs[0]);
    expect(ours[0]).toBe(
      '52-/realtime-voice,1["audio",{"_placeholder":true,"num":0},{"n":[{"_placeholder":true,"num":1}]}]',
    );
    expect(ours.length).toBe(3);
    const ack = encodePacket({ type: PacketType.ACK, nsp: '/', id: 3, data: [new Uint16Array([1])] });
    expect(ack[0]).toBe('61-3[{"_placeholder":true,"num":0}]');
  });

  it('sends exactly the bytes of a view (never its whole backing buffer) and never mutates the input', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = backing.subarray(2, 5);
    const data = ['x', { view }];
    const frames = encodePacket({ type: PacketType.EVENT, nsp: '/', data });
    expect(new Uint8Array(frames[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    expect(data[1]).toEqual({ view });
    const dv = new DataView(new ArrayBuffer(8), 4, 2);
    dv.setUint8(0, 7);
    const dvFrames = encodePacket({ type: PacketType.EVENT, nsp: '/', data: ['d', dv] });
    expect(new Uint8Array(dvFrames[1] as ArrayBuffer)).toEqual(new Uint8Array([7, 0]));
    const nodeBuffer = Buffer.from('hey');
    const bufFrames = encodePacket({ type: PacketType.EVENT, nsp: '/', data: ['b', nodeBuffer] });
    expect(Buffer.from(bufFrames[1] as ArrayBuffer).toString()).toBe('hey');
  });

  it('detects binary in every TypedArray kind, DataView and Buffer, nested anywhere', () => {
    const kinds = [
      new Int8Array(1),
      new Uint8Array(1),
      new Uint8ClampedArray(1),
      new Int16Array(1),
      new Uint16Array(1),
      new Int32Array(1),
      new Uint32Array(1),
      new Float32Array(1),
      new Float64Array(1),
      new BigInt64Array(1),
      new BigUint64Array(1),
      new DataView(new ArrayBuffer(1)),
      Buffer.alloc(1),
      new ArrayBuffer(1),
    ];
    for (const k of kinds) expect(hasBinary([{ deep: [{ k }] }])).toBe(true);
    expect(hasBinary([1, 'a', { b: null, d: new Date(0) }])).toBe(false);
  });
});

describe('Decoder', () => {
  it('decodes what the official encoder writes, including binary packets', () => {
    const packets: Packet[] = [
      { type: PacketType.CONNECT, nsp: '/v', data: { sid: 'abc', pid: 'p' } },
      { type: PacketType.DISCONNECT, nsp: '/v' },
      { type: PacketType.EVENT, nsp: '/', data: ['a', { b: 1 }] },
      { type: PacketType.EVENT, nsp: '/n', id: 12, data: ['a'] },
      { type: PacketType.ACK, nsp: '/n', id: 12, data: ['r'] },
      { type: PacketType.CONNECT_ERROR, nsp: '/n', data: { message: 'unauthorized', data: { x: 1 } } },
    ];
    for (const packet of packets) {
      const frames = official.encode({ ...packet } as never) as string[];
      const decoded = decodeAll(frames) as Packet;
      expect(decoded).toMatchObject(packet);
      expect(decoded).toMatchObject(officialDecode(frames) as object);
    }
    const bin = new Uint8Array([5, 6]).buffer;
    const frames = official.encode({
      type: PacketType.EVENT,
      nsp: '/v',
      id: 3,
      data: ['audio', { chunk: bin }],
    } as never);
    const decoded = decodeAll(frames) as Packet;
    expect(decoded.type).toBe(PacketType.BINARY_EVENT);
    expect(decoded.id).toBe(3);
    const [, obj] = decoded.data as [string, { chunk: ArrayBuffer }];
    expect(new Uint8Array(obj.chunk)).toEqual(new Uint8Array([5, 6]));
  });

  it('returns undefined until every attachment has arrived', () => {
    const d = new Decoder();
    expect(d.add('52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')).toBeUndefined();
    expect(d.add(new ArrayBuffer(1))).toBeUndefined();
    const p = d.add(new ArrayBuffer(2)) as Packet;
    expect((p.data as ArrayBuffer[])[2]?.byteLength).toBe(2);
    expect(d.add('2["next"]')).toMatchObject({ type: 2, data: ['next'] });
  });

  it('accepts a binary packet that declares 0 attachments, like the official decoder', () => {
    expect(decodeAll(['50-["a"]'])).toMatchObject({ type: PacketType.BINARY_EVENT, data: ['a'] });
  });

  const malformed: Array<[string, Array<string | ArrayBuffer>]> = [
    ['unknown type', ['9']],
    ['empty frame', ['']],
    ['non-digit type', ['x["a"]']],
    ['invalid JSON', ['2["a"']],
    ['illegal attachments (not a number)', ['5x-["a",{"_placeholder":true,"num":0}]']],
    ['illegal attachments (no dash)', ['51["a",{"_placeholder":true,"num":0}]']],
    ['illegal attachments (empty count)', ['5-["a"]']],
    ['placeholder index beyond attachments', ['51-["a",{"_placeholder":true,"num":1}]']],
    ['placeholder index not an integer', ['51-["a",{"_placeholder":true,"num":"0"}]']],
    ['namespace without leading slash', ['2abc,["a"]']],
    ['event name not a string', ['2[{}]']],
    ['event name null', ['2[null]']],
    ['event payload not an array', ['2{"a":1}']],
    ['empty event array', ['2[]']],
    ['missing event payload', ['2']],
    ['reserved event name connect', ['2["connect"]']],
    ['reserved event name disconnect', ['2["disconnect"]']],
    ['reserved event name connect_error', ['2/n,["connect_error"]']],
    ['reserved event name removeListener', ['2["removeListener"]']],
    ['ack without id', ['3["a"]']],
    ['ack payload not an array', ['31{"a":1}']],
    ['ack id too large', ['31234567890123456789["a"]']],
    ['connect payload not an object', ['0"x"']],
    ['connect payload an array', ['0[1]']],
    ['disconnect with a payload', ['1{"a":1}']],
    ['connect error without payload', ['4']],
    ['connect error payload a number', ['44']],
    ['id on a connect', ['01{"sid":"x"}']],
    ['binary frame when none expected', [new ArrayBuffer(3)]],
    ['text frame while attachments expected', ['51-["a",{"_placeholder":true,"num":0}]', '2["b"]']],
    // Issue 12 §5: 6 KB of nesting overflowed the recursive walkers (RangeError out of the decoder).
    [
      'binary packet nested 3,000 deep',
      [`51-["a",${'['.repeat(3000)}{"_placeholder":true,"num":0}${']'.repeat(3000)}]`],
    ],
    ['binary packet nested 300,000 deep', [`51-["a",${'{"a":'.repeat(300_000)}1${'}'.repeat(300_000)}]`]],
    ['more than 10 attachments', ['511-["a",{"_placeholder":true,"num":0}]']],
    ['a billion attachments', ['51000000000-["a",{"_placeholder":true,"num":0}]']],
  ];

  it.each(malformed)('rejects %s with PARSE_ERROR and never throws', (_name, frames) => {
    let result: Packet | ClientError | undefined;
    expect(() => {
      result = decodeAll(frames);
    }).not.toThrow();
    expect(result).toBeInstanceOf(ClientError);
    expect((result as ClientError).code).toBe('PARSE_ERROR');
  });

  it('rejects what the official decoder rejects (cross-check)', () => {
    const officialRejects = [
      '9',
      '2["connect"]',
      '2[{}]',
      '5x-["a"]',
      '2["a"',
      '1{"a":1}',
      '0"x"',
      '3{"a":1}',
      '2{"a":1}',
    ];
    for (const frame of officialRejects) {
      expect(() => officialDecode([frame])).toThrow();
      expect(decodeAll([frame])).toBeInstanceOf(ClientError);
    }
  });

  it(`decodes values nested ${MAX_DEPTH} levels deep (the argument array is the first), refuses one more`, () => {
    // ["a", [[…[{ _placeholder, num }]…]]]: the placeholder's own fields are the deepest values.
    const wrapped = (arrays: number) =>
      `51-["a",${'['.repeat(arrays)}{"_placeholder":true,"num":0}${']'.repeat(arrays)}]`;
    const deepest = decodeAll([wrapped(MAX_DEPTH - 3), new ArrayBuffer(2)]) as Packet;
    expect(deepest).not.toBeInstanceOf(ClientError);
    let inner: unknown = (deepest.data as unknown[])[1];
    for (let level = 0; level < MAX_DEPTH - 3; level++) inner = (inner as unknown[])[0];
    expect((inner as ArrayBuffer).byteLength).toBe(2);
    expect(decodeAll([wrapped(MAX_DEPTH - 2)])).toMatchObject({ code: 'PARSE_ERROR' });
  });

  it('accepts 10 attachments, as socket.io-parser 4.2.6+ does (its maxAttachments default)', () => {
    const placeholders = Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num }));
    const frames = [
      `510-${JSON.stringify(['a', ...placeholders])}`,
      ...placeholders.map(() => new ArrayBuffer(1)),
    ];
    expect((decodeAll(frames) as Packet).data).toHaveLength(11);
  });

  it('an emit of data nested past the cap throws PARSE_ERROR instead of a RangeError', () => {
    let deep: unknown = new Uint8Array(1);
    for (let level = 0; level < 3000; level++) deep = [deep];
    expect(() => encodePacket({ type: PacketType.EVENT, nsp: '/', data: ['a', deep] })).toThrow(
      expect.objectContaining({ code: 'PARSE_ERROR' }),
    );
  });

  it('recovers after an error: the next packet decodes normally', () => {
    const d = new Decoder();
    expect(d.add('51-["a",{"_placeholder":true,"num":0}]')).toBeUndefined();
    expect(d.add('2["oops"]')).toBeInstanceOf(ClientError);
    expect(d.add('2["ok"]')).toMatchObject({ data: ['ok'] });
  });
});

describe('isPacketValid', () => {
  it('checks type, namespace, ack id, attachments and payload shape', () => {
    expect(isPacketValid({ type: 2, nsp: '/', data: ['a'] })).toBe(true);
    expect(isPacketValid({ type: 2, nsp: '/', data: [1] })).toBe(true);
    expect(isPacketValid({ type: 3, nsp: '/', id: 1, data: [] })).toBe(true);
    expect(isPacketValid({ type: 7 as never, nsp: '/', data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 2, nsp: 'x', data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 2, nsp: '/', id: 1.5, data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 2, nsp: '/', id: -1, data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 5, nsp: '/', data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 5, nsp: '/', attachments: 1.5, data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 2, nsp: '/', attachments: 1, data: ['a'] })).toBe(false);
    expect(isPacketValid({ type: 0, nsp: '/', data: 'x' })).toBe(false);
    expect(isPacketValid({ type: 4, nsp: '/', data: 'legacy message' })).toBe(true);
  });

  it('decodeString keeps the namespace and id', () => {
    expect(decodeString('2/a/b,15["e"]')).toEqual({
      type: 2,
      nsp: '/a/b',
      id: 15,
      data: ['e'],
      attachments: undefined,
    });
  });
});
