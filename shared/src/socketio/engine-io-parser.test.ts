import { decodePacket, encodePacket } from 'engine.io-parser';
import { describe, expect, it } from 'vitest';
import {
  decodeEnginePacket,
  encodeEnginePacket,
  frameByteLength,
  isArrayBuffer,
  parseHandshake,
  utf8Length,
} from './engine-io-parser';
import { ClientError } from './errors';

describe('engine-io-parser', () => {
  it('encodes text packets as the official parser does', () => {
    const cases = [
      { type: 'ping' as const },
      { type: 'pong' as const, data: 'probe' },
      { type: 'message' as const, data: '2["hello","é😀"]' },
      { type: 'close' as const },
    ];
    for (const packet of cases) {
      let official: unknown;
      encodePacket(packet, true, (encoded) => {
        official = encoded;
      });
      expect(encodeEnginePacket(packet)).toBe(official);
    }
  });

  it('sends binary messages as the raw bytes, with no prefix', () => {
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    expect(encodeEnginePacket({ type: 'message', data: bytes })).toBe(bytes);
  });

  it('decodes what the official parser encodes', () => {
    for (const frame of ['2', '3probe', '4hello', '6', '1', '0{"sid":"x"}']) {
      const ours = decodeEnginePacket(frame);
      const official = decodePacket(frame);
      expect(ours).toEqual(official.data === undefined ? { type: official.type } : official);
    }
    const buf = new ArrayBuffer(2);
    expect(decodeEnginePacket(buf)).toEqual({ type: 'message', data: buf });
  });

  it('rejects unknown types, empty frames and non-frames with PARSE_ERROR, never throwing', () => {
    for (const frame of ['', '9', 'x', '/', 42, null, undefined, {}]) {
      const result = decodeEnginePacket(frame);
      expect(result).toBeInstanceOf(ClientError);
      expect((result as ClientError).code).toBe('PARSE_ERROR');
    }
  });

  it('parses a handshake and rejects a malformed one', () => {
    const ok = parseHandshake(
      '{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
    );
    expect(ok).toMatchObject({ sid: 'a', pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 });
    // No maxPayload (an older server) means no limit.
    expect(parseHandshake('{"sid":"a","pingInterval":1,"pingTimeout":2}')).toMatchObject({ maxPayload: 0 });
    for (const bad of [
      '{bad',
      '[]',
      '{"sid":1,"pingInterval":1,"pingTimeout":1}',
      '{"sid":"a"}',
      undefined,
      'null',
    ]) {
      expect(parseHandshake(bad)).toBeInstanceOf(ClientError);
    }
    expect(parseHandshake('{"sid":"a","pingInterval":-1,"pingTimeout":1}')).toBeInstanceOf(ClientError);
  });

  it('counts UTF-8 bytes exactly like Buffer.byteLength, without TextEncoder', () => {
    const samples = ['', 'abc', 'é', '中文', '😀', 'a😀b中', '\u0000', '\u07ff\u0800', '\uffff'];
    for (const s of samples) expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
    // Lone surrogates are encoded as U+FFFD (3 bytes), as WebSocket implementations do.
    expect(utf8Length('\ud800')).toBe(3);
    expect(utf8Length('\udc00x')).toBe(4);
    expect(utf8Length('\ud800\ud800')).toBe(6);
    expect(frameByteLength(new ArrayBuffer(7))).toBe(7);
  });

  it('recognises ArrayBuffers from another realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign: unknown = runInNewContext('new ArrayBuffer(3)');
    expect(foreign instanceof ArrayBuffer).toBe(false);
    expect(isArrayBuffer(foreign)).toBe(true);
    expect(isArrayBuffer(new Uint8Array(1))).toBe(false);
  });
});
