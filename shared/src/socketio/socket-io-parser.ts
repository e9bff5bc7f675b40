/**
 * @module socket-io-parser — Socket.IO v5 packets: a pure encoder and a decoder with a validity guard.
 *
 * Text form: `<type>[<attachments>-][<nsp>,][<id>][<json>]`, e.g. `2/chat,7["msg","hi"]`. Binary values
 * anywhere in the arguments are replaced by `{"_placeholder":true,"num":n}` and sent as raw frames right
 * after the text frame (BINARY_EVENT / BINARY_ACK). The decoder never throws: a malformed frame gives a
 * `ClientError('PARSE_ERROR')` that the Manager handles by closing the connection and reconnecting.
 */
import { badPacket, isArrayBuffer, toFrame } from './engine-io-parser';
import { ClientError } from './errors';

/**
 * The packet type digits for the client's own code. An enum because the bundler inlines its members: the
 * digit itself is written instead of a property lookup on every comparison. {@link PacketType} is the
 * public object (same digits, plain literal types).
 */
export enum PacketKind {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

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
 * How many levels of values a packet may nest, its argument array being the first. The walkers below recurse, and a hostile frame of
 * 6 KB (3,000 levels) overflowed the stack with a RangeError; the cap makes the limit the same on every
 * engine (mini-program JS engines have smaller stacks than Node). Socket.IO payloads are a few levels deep.
 */
export const MAX_DEPTH = 500;

/**
 * A copy of `data` with every value `replace` changes replaced, nested arrays and plain objects included
 * (binary values and Dates are leaves). `replace` also sees every value, so it can test them all.
 * Throws a ClientError('PARSE_ERROR') past {@link MAX_DEPTH} levels (an emit of such data throws it too).
 */
function replaceDeep(data: unknown, replace: (value: unknown) => unknown, depth = MAX_DEPTH): unknown {
  if (!depth) throw parseError(data);
  const replaced = replace(data);
  if (replaced !== data || Object(data) !== data || isBinary(data) || data instanceof Date) return replaced;
  if (Array.isArray(data)) return data.map((item) => replaceDeep(item, replace, depth - 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(data as object))
    copy[key] = replaceDeep((data as Record<string, unknown>)[key], replace, depth - 1);
  return copy;
}

/**
 * Whether `test` holds for `data` or for anything nested in its arrays and objects. One walk for both
 * jobs (a throwaway copy of a packet's small JSON part costs less than a second walker in the bundle).
 */
function someDeep(data: unknown, test: (value: unknown) => unknown): boolean {
  let found = false;
  replaceDeep(data, (value) => {
    found = found || !!test(value);
    return value;
  });
  return found;
}

/**
 * Whether any binary value is nested anywhere in `data`.
 *
 * @example
 * hasBinary([{ a: new Uint8Array(1) }]); // true
 */
export function hasBinary(data: unknown): boolean {
  return someDeep(data, isBinary);
}

function isPlaceholder(value: unknown): value is { _placeholder: true; num: unknown } {
  return !!value && (value as { _placeholder?: unknown })._placeholder === true && 'num' in (value as object);
}

const isPlainObject = (value: unknown): boolean =>
  Object.prototype.toString.call(value) === '[object Object]';

/** A safe non-negative integer: an ack id or an attachment index / count. */
const isIndex = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The guard the official parser applies, a little stricter: a known type, a namespace starting with `/`,
 * an integer ack id only where one belongs (required on ACK), an integer attachment count only on binary
 * packets, and a payload of the right shape (an EVENT's name a string that is not reserved).
 *
 * @example
 * isPacketValid({ type: 2, nsp: '/', data: ['hello'] }); // true
 */
export function isPacketValid({ type, nsp, id, attachments, data }: Packet): boolean {
  const isAck = type === PacketKind.ACK || type === PacketKind.BINARY_ACK;
  return (
    // A digit from the regexp below: 0–6 are the known types.
    type < 7 &&
    typeof nsp === 'string' &&
    nsp.charAt(0) === '/' &&
    // An id only on EVENT / ACK (and their binary forms), and always on ACK.
    (id === undefined ? !isAck : type > 1 && type !== PacketKind.CONNECT_ERROR && isIndex(id)) &&
    (type > PacketKind.CONNECT_ERROR ? isIndex(attachments) : attachments === undefined) &&
    (type === PacketKind.CONNECT
      ? data === undefined || isPlainObject(data)
      : type === PacketKind.DISCONNECT
        ? data === undefined
        : type === PacketKind.CONNECT_ERROR
          ? typeof data === 'string' || isPlainObject(data)
          : Array.isArray(data) &&
            (isAck ||
              typeof data[0] === 'number' ||
              (typeof data[0] === 'string' && !RESERVED_EVENTS.includes(data[0]))))
  );
}

/**
 * Encodes a packet into the frames to send: one text frame, then one binary frame per attachment.
 * EVENT / ACK carrying binary become BINARY_EVENT / BINARY_ACK. The caller's data is never mutated.
 *
 * @example
 * encodePacket({ type: 2, nsp: '/chat', id: 1, data: ['msg', 'hi'] }); // ['2/chat,1["msg","hi"]']
 */
export function encodePacket({ type, nsp, id, data }: Packet): Array<string | ArrayBuffer> {
  const buffers: ArrayBuffer[] = [];
  if ((type === PacketKind.EVENT || type === PacketKind.ACK) && hasBinary(data)) {
    // Binary values become placeholders, their bytes (exactly a view's bytes) attachments.
    data = replaceDeep(data, (value) =>
      isBinary(value) ? { _placeholder: true, num: buffers.push(toFrame(value) as ArrayBuffer) - 1 } : value,
    );
  }
  const str =
    (buffers.length ? `${type + 3}${buffers.length}-` : type) +
    (nsp && nsp !== '/' ? `${nsp},` : '') +
    (id === undefined ? '' : id);
  return [data === undefined ? str : str + JSON.stringify(data), ...buffers];
}

/**
 * `<type>[<attachments>-][<nsp>,][<id>][<json>]`: at most 10 attachments (socket.io-parser 4.2.6+ refuses
 * more, its `maxAttachments` default: a count of millions would have the decoder hold every frame that
 * follows), the id at most 15 digits (a safe integer); anything else fails as JSON.
 */
const TEXT_PACKET = /^(\d)(?:(10|\d)-)?(?:(\/[^,]*),?)?(\d{0,15})([\s\S]*)$/;

/**
 * Decodes the text frame of a packet. Binary packets come back with placeholders still in `data`.
 *
 * @example
 * decodeString('2["hello"]'); // { type: 2, nsp: '/', data: ['hello'] }
 */
export function decodeString(str: string): Packet | ClientError {
  // Nothing in here may throw out: no match, invalid JSON and nesting past MAX_DEPTH all end in the catch.
  try {
    const [, type, attachments, nsp, id, json] = TEXT_PACKET.exec(str) as RegExpExecArray;
    const packet: Packet = {
      type: +(type as string) as PacketTypeValue,
      nsp: nsp || '/',
      id: id ? +id : undefined,
      data: json ? JSON.parse(json) : undefined,
      // The regexp gives digits or undefined: '0' is truthy, so 0 attachments stays 0.
      attachments: attachments ? +attachments : undefined,
    };
    if (
      isPacketValid(packet) &&
      // Every placeholder must point at an attachment that will come; checked before waiting for frames.
      !(
        packet.attachments !== undefined &&
        someDeep(
          packet.data,
          (value) => isPlaceholder(value) && !(isIndex(value.num) && value.num < packet.attachments!),
        )
      )
    )
      return packet;
  } catch {
    // Reported below.
  }
  return parseError(str);
}

const parseError = (frame: unknown): ClientError => badPacket(frame, 'Socket.IO');

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
  private _packet: Packet | undefined;
  private _buffers: ArrayBuffer[] = [];

  add(frame: string | ArrayBuffer): Packet | ClientError | undefined {
    if (typeof frame === 'string' && !this._packet) {
      const packet = decodeString(frame);
      if (packet instanceof ClientError || packet.attachments === undefined) return packet;
      this._packet = packet;
    } else if (this._packet && isArrayBuffer(frame)) this._buffers.push(frame);
    else {
      // Binary when none was expected, or text while attachments were.
      this.reset();
      return parseError(frame);
    }
    const packet = this._packet;
    const buffers = this._buffers;
    if (buffers.length < (packet.attachments as number)) return undefined;
    this.reset();
    // The packet is our own (decodeString made it): complete it in place.
    return Object.assign(packet, {
      attachments: undefined,
      data: replaceDeep(packet.data, (value) =>
        isPlaceholder(value) ? buffers[value.num as number] : value,
      ),
    });
  }

  /** Drops a partly received packet (on disconnect). */
  reset(): void {
    this._packet = undefined;
    this._buffers = [];
  }
}
