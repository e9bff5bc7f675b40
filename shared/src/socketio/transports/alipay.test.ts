/**
 * @module alipay.test — Alipay's binary envelopes, without a network: what each vendor choice sends and
 * reads. (Round trips through an emulated `my.connectSocket` are in connect-socket.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { alipayCodec, decodeBase64 } from './alipay';
import { STANDARD_CODEC } from './socket-task';

const bytes = (...values: number[]): ArrayBuffer => new Uint8Array(values).buffer;
const asArray = (frame: unknown): number[] => Array.from(new Uint8Array(frame as ArrayBuffer));

describe('alipayCodec', () => {
  it("'alipay' sends base64 with isBuffer and reads flat or nested envelopes", () => {
    const codec = alipayCodec('alipay');
    expect(codec.encode(bytes(1, 2, 3))).toEqual({ data: 'AQID', isBuffer: true });
    expect(asArray(codec.decode({ data: 'AQID', isBuffer: true }))).toEqual([1, 2, 3]);
    expect(asArray(codec.decode({ data: { data: 'AQID', isBuffer: true } }))).toEqual([1, 2, 3]);
    expect(codec.decode({ data: '40', isBuffer: false })).toBe('40');
    expect(codec.decode({ data: '%%', isBuffer: true })).toBeUndefined();
  });

  it("'auto' sends ArrayBuffers until a received message carries isBuffer", () => {
    const codec = alipayCodec('auto');
    const frame = bytes(7);
    expect(codec.encode(frame)).toEqual({ data: frame });
    expect(codec.decode({ data: '0{}' })).toBe('0{}');
    expect(codec.encode(frame)).toEqual({ data: frame });
    expect(codec.decode({ data: '0{}', isBuffer: false })).toBe('0{}');
    expect(codec.encode(frame)).toEqual({ data: 'Bw==', isBuffer: true });
  });

  it("'standard' never sends base64 but still reads Alipay envelopes", () => {
    const codec = alipayCodec('standard');
    const frame = bytes(7);
    expect(asArray(codec.decode({ data: 'Bw==', isBuffer: true }))).toEqual([7]);
    expect(codec.encode(frame)).toEqual({ data: frame });
  });
});

describe('STANDARD_CODEC', () => {
  it('passes strings and ArrayBuffers, copies exactly the bytes of a view, refuses anything else', () => {
    const frame = bytes(1, 2);
    expect(STANDARD_CODEC.decode({ data: 'x' })).toBe('x');
    expect(STANDARD_CODEC.decode({ data: frame })).toBe(frame);
    expect(asArray(STANDARD_CODEC.decode({ data: new Uint8Array([9, 3, 4, 9]).subarray(1, 3) }))).toEqual([
      3, 4,
    ]);
    expect(STANDARD_CODEC.decode({ data: 42 })).toBeUndefined();
    expect(STANDARD_CODEC.decode(undefined)).toBeUndefined();
  });
});

describe('decodeBase64', () => {
  it('ignores whitespace around the padding', () => {
    expect(asArray(decodeBase64('AQ==\n'))).toEqual([1]);
    expect(asArray(decodeBase64(' A Q I D '))).toEqual([1, 2, 3]);
  });
});
