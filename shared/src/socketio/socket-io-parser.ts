/**
 * @module socket-io-parser — Socket.IO v5 packets: a pure encoder and a decoder with a validity guard.
 *
 * Text form: `<type>[<attachments>-][<nsp>,][<id>][<json>]`, e.g. `2/chat,7["msg","hi"]`. Binary values
 * anywhere in the arguments are replaced by `{"_placeholder":true,"num":n}` and sent as raw frames right
 * after the text frame (BINARY_EVENT / BINARY_ACK). The decoder never throws: a malformed frame gives a
 * `ClientError('PARSE_ERROR')` that the Manager handles by closing the connection and reconnecting.
 */
import { isArrayBuffer } from './engine-io-parser';
import { ClientError } from './errors';

/** Socket.IO packet types and their wire digits. */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/** One of the packet type digits. */
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** A Socket.IO packet. Binary values stay in `data`; the encoder moves them into attachments. */
export interface Packet {
  readonly type: PacketTypeValue;
  /** Namespace, always starting with `/`. */
  readonly nsp: string;
  /** Ack id (EVENT that wants an ack, or ACK). */
  readonly id?: number;
  readonly data?: unknown;
  /** Number of binary attachments, only for BINARY_EVENT / BINARY_ACK. */
  readonly attachments?: number;
}

/** Event names a server may not send: the client reserves them for its own events. */
export const RESERVED_EVENTS: readonly string[] = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

/**
 * Whether a value is binary: an ArrayBuffer or any view on one (every TypedArray, DataView, Node's
 * Buffer — detected as a view, so `Buffer` is never referenced).
 *
 * @example
 * isBinary(new Uint8Array(2)); // true
 */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return isArrayBuffer(value) || ArrayBuffer.isView(value);
}

/**
 * Whether any binary value is nested anywhere in `data`.
 *
 * @example
 * hasBinary([{ a: new Uint8Array(1) }]); // true
 */
export function hasBinary(data: unknown): boolean {
  if (isBinary(data)) return true;
  if (Array.isArray(data)) return data.some(hasBinary);
  if (typeof data === 'object' && data !== null && !(data instanceof Date)) {
    for (const key in data) {
      if (Object.hasOwn(data, key) && hasBinary((data as Record<string, unknown>)[key])) {
        return true;
      }
    }
  }
  return false;
}

/** Exactly the bytes of a binary value as an ArrayBuffer (a view's slice, never its whole backing store). */
export function toArrayBuffer(value: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (isArrayBuffer(value)) return value;
  const { buffer, byteOffset, byteLength } = value;
  if (byteOffset === 0 && byteLength === buffer.byteLength && isArrayBuffer(buffer)) return buffer;
  return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
}

function deconstruct(data: unknown, buffers: ArrayBuffer[]): unknown {
  if (isBinary(data)) {
    const placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(toArrayBuffer(data));
    return placeholder;
  }
  if (Array.isArray(data)) return data.map((item) => deconstruct(item, buffers));
  if (typeof data === 'object' && data !== null && !(data instanceof Date)) {
    const copy: Record<string, unknown> = {};
    for (const key in data) {
      if (Object.hasOwn(data, key)) {
        copy[key] = deconstruct((data as Record<string, unknown>)[key], buffers);
      }
    }
    return copy;
  }
  return data;
}

function isPlaceholder(value: unknown): value is { _placeholder: true; num: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)._placeholder === true &&
    'num' in value
  );
}

/** Every placeholder must point at an attachment that will come; checked before waiting for frames. */
function placeholdersValid(data: unknown, attachments: number): boolean {
  if (isPlaceholder(data)) {
    return (
      typeof data.num === 'number' && Number.isInteger(data.num) && data.num >= 0 && data.num < attachments
    );
  }
  if (Array.isArray(data)) return data.every((item) => placeholdersValid(item, attachments));
  if (typeof data === 'object' && data !== null) {
    for (const key in data) {
      if (
        Object.hasOwn(data, key) &&
        !placeholdersValid((data as Record<string, unknown>)[key], attachments)
      ) {
        return false;
      }
    }
  }
  return true;
}

function reconstruct(data: unknown, buffers: readonly ArrayBuffer[]): unknown {
  if (isPlaceholder(data)) return buffers[data.num as number];
  if (Array.isArray(data)) return data.map((item) => reconstruct(item, buffers));
  if (typeof data === 'object' && data !== null) {
    const copy: Record<string, unknown> = {};
    for (const key in data) {
      if (Object.hasOwn(data, key)) {
        copy[key] = reconstruct((data as Record<string, unknown>)[key], buffers);
      }
    }
    return copy;
  }
  return data;
}

function isPlainObject(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object Object]';
}

function isAckIdValid(id: unknown): boolean {
  return id === undefined || (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0);
}

function isDataValid(type: PacketTypeValue, data: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return data === undefined || isPlainObject(data);
    case PacketType.DISCONNECT:
      return data === undefined;
    case PacketType.CONNECT_ERROR:
      return typeof data === 'string' || isPlainObject(data);
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      return (
        Array.isArray(data) &&
        (typeof data[0] === 'number' ||
          (typeof data[0] === 'string' && RESERVED_EVENTS.indexOf(data[0]) === -1))
      );
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return Array.isArray(data);
  }
}

/**
 * The guard the official parser applies, a little stricter: a known type, a namespace starting with `/`,
 * an integer ack id only where one belongs (required on ACK), an integer attachment count only on binary
 * packets, and a payload of the right shape (an EVENT's name a string that is not reserved).
 *
 * @example
 * isPacketValid({ type: 2, nsp: '/', data: ['hello'] }); // true
 */
export function isPacketValid(packet: Packet): boolean {
  const { type, nsp, id, attachments, data } = packet;
  if (!(Number.isInteger(type) && type >= 0 && type <= 6)) return false;
  if (typeof nsp !== 'string' || nsp.charAt(0) !== '/') return false;
  if (!isAckIdValid(id)) return false;
  const isAck = type === PacketType.ACK || type === PacketType.BINARY_ACK;
  const isEvent = type === PacketType.EVENT || type === PacketType.BINARY_EVENT;
  if (isAck && id === undefined) return false;
  if (!isAck && !isEvent && id !== undefined) return false;
  const isBinaryType = type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
  if (isBinaryType) {
    if (!(typeof attachments === 'number' && Number.isSafeInteger(attachments) && attachments >= 0))
      return false;
  } else if (attachments !== undefined) return false;
  return isDataValid(type, data);
}

/**
 * Encodes a packet into the frames to send: one text frame, then one binary frame per attachment.
 * EVENT / ACK carrying binary become BINARY_EVENT / BINARY_ACK. The caller's data is never mutated.
 *
 * @example
 * encodePacket({ type: 2, nsp: '/chat', id: 1, data: ['msg', 'hi'] }); // ['2/chat,1["msg","hi"]']
 */
export function encodePacket(packet: Packet): Array<string | ArrayBuffer> {
  let { type, data } = packet;
  const buffers: ArrayBuffer[] = [];
  if ((type === PacketType.EVENT || type === PacketType.ACK) && hasBinary(data)) {
    type = type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
    data = deconstruct(data, buffers);
  }
  let str = String(type);
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) str += `${buffers.length}-`;
  if (packet.nsp && packet.nsp !== '/') str += `${packet.nsp},`;
  if (packet.id !== undefined) str += packet.id;
  if (data !== undefined) str += JSON.stringify(data);
  return [str, ...buffers];
}

function parseError(message: string, frame: unknown): ClientError {
  return new ClientError('PARSE_ERROR', `Malformed Socket.IO packet: ${message}.`, frame);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * Decodes the text frame of a packet. Binary packets come back with placeholders still in `data`.
 *
 * @example
 * decodeString('2["hello"]'); // { type: 2, nsp: '/', data: ['hello'] }
 */
export function decodeString(str: string): Packet | ClientError {
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) return parseError('unknown packet type', str);
  let i = 1;
  let attachments: number | undefined;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const start = i;
    while (i < str.length && isDigit(str.charAt(i))) i++;
    // 10 digits is far beyond any real count; longer would not be a safe integer for long.
    if (i === start || i - start > 10 || str.charAt(i) !== '-') return parseError('illegal attachments', str);
    attachments = Number(str.slice(start, i));
    i++;
  }
  let nsp = '/';
  if (str.charAt(i) === '/') {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? str.length : comma;
    nsp = str.slice(i, end);
    i = comma === -1 ? end : end + 1;
  }
  let id: number | undefined;
  if (isDigit(str.charAt(i))) {
    const start = i;
    while (i < str.length && isDigit(str.charAt(i))) i++;
    if (i - start > 15) return parseError('ack id too large', str);
    id = Number(str.slice(start, i));
  }
  let data: unknown;
  if (i < str.length) {
    try {
      data = JSON.parse(str.slice(i));
    } catch {
      return parseError('invalid JSON payload', str);
    }
  }
  const packet: Packet = { type: type as PacketTypeValue, nsp, id, data, attachments };
  if (!isPacketValid(packet)) return parseError('invalid packet', str);
  if (attachments !== undefined && !placeholdersValid(data, attachments)) {
    return parseError('placeholder does not match the attachments', str);
  }
  return packet;
}

/**
 * Reassembles packets from frames. `add` returns the packet when it is complete, `undefined` while
 * binary attachments are still expected, or a ClientError('PARSE_ERROR') — after which the decoder has
 * reset itself.
 *
 * @example
 * const decoder = new Decoder();
 * decoder.add('51-["audio",{"_placeholder":true,"num":0}]'); // undefined
 * decoder.add(new ArrayBuffer(4)); // { type: 5, nsp: '/', data: ['audio', ArrayBuffer] }
 */
export class Decoder {
  private pending: { packet: Packet; buffers: ArrayBuffer[] } | undefined;

  add(frame: string | ArrayBuffer): Packet | ClientError | undefined {
    if (typeof frame === 'string') {
      if (this.pending !== undefined) {
        this.reset();
        return parseError('text frame while binary attachments were expected', frame);
      }
      const packet = decodeString(frame);
      if (packet instanceof ClientError) return packet;
      if (packet.attachments === undefined) return packet;
      if (packet.attachments === 0) return this.finish(packet, []);
      this.pending = { packet, buffers: [] };
      return undefined;
    }
    if (!isArrayBuffer(frame)) return parseError('frame is neither text nor binary', frame);
    if (this.pending === undefined) return parseError('binary frame when none was expected', frame);
    this.pending.buffers.push(frame);
    if (this.pending.buffers.length < (this.pending.packet.attachments ?? 0)) return undefined;
    const { packet, buffers } = this.pending;
    this.pending = undefined;
    return this.finish(packet, buffers);
  }

  /** Drops a partly received packet (on disconnect). */
  reset(): void {
    this.pending = undefined;
  }

  private finish(packet: Packet, buffers: readonly ArrayBuffer[]): Packet {
    return { type: packet.type, nsp: packet.nsp, id: packet.id, data: reconstruct(packet.data, buffers) };
  }
}
