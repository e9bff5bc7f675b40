/**
 * @module engine-io-parser — Engine.IO v4 packets as they travel over a WebSocket.
 *
 * Text frame: one type digit followed by the data (`2` = ping, `4hello` = message "hello").
 * Binary frame: a message whose data is the raw bytes, with no prefix. No TextEncoder, Blob or Buffer:
 * mini-program runtimes do not have them.
 */
import { ClientError } from './errors';

/** Engine.IO packet types, indexed by their wire digit. */
export const ENGINE_PACKET_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;

/** An Engine.IO packet type name. */
export type EnginePacketType = (typeof ENGINE_PACKET_TYPES)[number];

/** One Engine.IO packet. */
export interface EnginePacket {
  readonly type: EnginePacketType;
  /** Text data, or binary data (only for `message`). */
  readonly data?: string | ArrayBuffer;
}

/** The handshake the server sends in its `open` packet. */
export interface Handshake {
  readonly sid: string;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxPayload: number;
  // No `upgrades`: a WebSocket-only client never upgrades, so that field is neither checked nor typed.
}

/**
 * Whether a value is an ArrayBuffer, also one from another realm (a `vm` context, a mini-program's
 * native bridge), where `instanceof` fails.
 *
 * @example
 * isArrayBuffer(new ArrayBuffer(1)); // true
 */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/**
 * A received WebSocket message as a frame: a string as text, an ArrayBuffer as binary, and any view (a
 * platform that ignores `binaryType`, a vendor handing a TypedArray) copied to exactly its bytes.
 * Undefined for anything else.
 *
 * @example
 * toFrame(new Uint8Array([1, 2]).subarray(1)); // ArrayBuffer holding [2]
 */
export function toFrame(data: unknown): string | ArrayBuffer | undefined {
  if (typeof data === 'string' || isArrayBuffer(data)) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  return undefined;
}

/**
 * Encodes one packet as one WebSocket frame.
 *
 * @example
 * encodeEnginePacket({ type: 'pong' }); // '3'
 */
export function encodeEnginePacket(packet: EnginePacket): string | ArrayBuffer {
  if (isArrayBuffer(packet.data)) return packet.data;
  return ENGINE_PACKET_TYPES.indexOf(packet.type) + (packet.data || '');
}

/**
 * Decodes one WebSocket frame; a ClientError('PARSE_ERROR') for anything that is not a packet.
 *
 * @example
 * decodeEnginePacket('4hello'); // { type: 'message', data: 'hello' }
 */
export function decodeEnginePacket(frame: unknown): EnginePacket | ClientError {
  if (isArrayBuffer(frame)) return { type: 'message', data: frame };
  // Not a string, or empty: charCodeAt is NaN (or absent), so no type is found.
  const type = typeof frame === 'string' ? ENGINE_PACKET_TYPES[frame.charCodeAt(0) - 48] : undefined;
  if (type === undefined) return badPacket(frame, 'Engine.IO');
  return (frame as string).length > 1 ? { type, data: (frame as string).slice(1) } : { type };
}

/**
 * The PARSE_ERROR of a frame that is not a valid packet: one text for every malformed frame (the frame
 * itself is in `data`).
 *
 * @example
 * badPacket('9', 'Engine.IO'); // ClientError { code: 'PARSE_ERROR', message: 'Bad Engine.IO packet' }
 */
export function badPacket(frame: unknown, protocol: 'Engine.IO' | 'Socket.IO'): ClientError {
  return new ClientError('PARSE_ERROR', `Bad ${protocol} packet`, frame);
}

/**
 * Parses and checks the `open` packet's JSON; a ClientError('PARSE_ERROR') when it is not a handshake.
 *
 * @example
 * parseHandshake('{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
 */
export function parseHandshake(data: string | ArrayBuffer | undefined): Handshake | ClientError {
  try {
    // Anything but a JSON object string throws here (ArrayBuffer, undefined) or below (null).
    const v = JSON.parse(data as string);
    if (
      typeof v.sid === 'string' &&
      isNonNegativeFinite(v.pingInterval) &&
      isNonNegativeFinite(v.pingTimeout) &&
      (v.maxPayload === undefined || isNonNegativeFinite(v.maxPayload))
    ) {
      // The parsed object itself (fresh, ours), normalised: 0 means "no limit", as in engine.io-client.
      v.maxPayload = v.maxPayload || 0;
      return v;
    }
  } catch {
    // Not a handshake: reported below.
  }
  return badPacket(data, 'Engine.IO');
}

function isNonNegativeFinite(value: unknown): value is number {
  return Number.isFinite(value) && (value as number) >= 0;
}

/**
 * The UTF-8 byte length of a string, counted without TextEncoder (absent in mini-programs).
 * A lone surrogate counts 3 bytes, as it is encoded as U+FFFD.
 *
 * @example
 * utf8Length('é'); // 2
 */
export function utf8Length(str: string): number {
  let length = str.length;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) continue;
    length += c < 0x800 ? 1 : 2;
    // A surrogate pair is 4 bytes: 3 counted for the high half, 1 for the low one (skipped).
    if (c >= 0xd800 && c <= 0xdbff && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return length;
}

/**
 * The size in bytes of one WebSocket frame, as the server's `maxPayload` counts it.
 *
 * @example
 * frameByteLength('4hi'); // 3
 */
export function frameByteLength(frame: string | ArrayBuffer): number {
  return typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
}
