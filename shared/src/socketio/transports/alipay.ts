/**
 * @module alipay — Alipay's SocketTask frames: binary as base64 with `isBuffer: true`, both ways.
 *
 * Alipay's `onMessage` gives `{ data, isBuffer }` with `data` base64 when `isBuffer` (sometimes nested as
 * `res.data.data`), and `send` takes `{ data: base64, isBuffer: true }`. Only `connectSocketTransport`
 * uses this module, so an app that only uses connectContainer does not ship it. Mini-programs have no
 * `btoa`/`atob`/`Buffer`: base64 is hand-written.
 */
import type { SocketTaskCodec, SocketTaskMessage } from './socket-task';
import { STANDARD_CODEC } from './socket-task';

/**
 * How binary frames are exchanged. `auto` (default) sends ArrayBuffers and switches to Alipay's base64
 * envelopes as soon as a received message carries `isBuffer`.
 */
export type SocketTaskVendor = 'auto' | 'standard' | 'alipay';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The codec of a vendor choice: `alipay` always sends base64; `auto` switches to it as soon as a received
 * message carries `isBuffer`; `standard` never does. Every one reads Alipay's envelopes.
 *
 * @example
 * createSocketTaskBinding(listener, alipayCodec('alipay'));
 */
export function alipayCodec(vendor: SocketTaskVendor): SocketTaskCodec {
  let alipay = vendor === 'alipay';
  return {
    decode(result) {
      let envelope: SocketTaskMessage = result || {};
      const inner = envelope.data as SocketTaskMessage | null;
      // Alipay sometimes nests the envelope: { data: { data, isBuffer } }.
      if (typeof inner === 'object' && inner !== null && !ArrayBuffer.isView(inner) && 'data' in inner) {
        envelope = {
          data: inner.data,
          isBuffer: inner.isBuffer == null ? envelope.isBuffer : inner.isBuffer,
        };
      }
      if (vendor === 'auto' && typeof envelope.isBuffer === 'boolean') alipay = true;
      const { data } = envelope;
      return envelope.isBuffer === true && typeof data === 'string'
        ? decodeBase64(data)
        : STANDARD_CODEC.decode(envelope);
    },
    encode: (data) => (alipay ? { data: encodeBase64(data), isBuffer: true } : { data }),
  };
}

/**
 * Standard base64 (with padding) of an ArrayBuffer.
 *
 * @example
 * encodeBase64(new Uint8Array([1, 2, 3]).buffer); // 'AQID'
 */
export function encodeBase64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    // Bytes past the end read as undefined, which `<<` and `|` turn into 0.
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    for (let shift = 18; shift >= 0; shift -= 6) out += ALPHABET[(n >> shift) & 63];
  }
  const pad = (3 - (bytes.length % 3)) % 3;
  return out.slice(0, out.length - pad) + '=='.slice(0, pad);
}

/**
 * Decodes base64 (standard or URL-safe, padding optional, whitespace ignored); `undefined` when malformed.
 *
 * @example
 * new Uint8Array(decodeBase64('AQID')!); // Uint8Array [1, 2, 3]
 */
export function decodeBase64(text: string): ArrayBuffer | undefined {
  // Accept the URL-safe alphabet too; some gateways re-encode.
  const clean = text.replace(/\s/g, '').replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array((clean.length * 3) >> 2);
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (const char of clean) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    // Only the low 14 bits are ever read; masking keeps the accumulator a small positive int.
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = buffer >> bits;
    }
  }
  return out.buffer;
}
