/**
 * @module codec (bench) — encode+decode throughput of our Engine.IO/Socket.IO codec against the official
 * `socket.io-parser` + `engine.io-parser`, on the traffic this product carries.
 *
 * One "packet" = a Socket.IO packet encoded to its WebSocket frames (Socket.IO encoder, then Engine.IO per
 * frame) and decoded back (Engine.IO per frame, then the Socket.IO decoder) — the full path each side runs
 * per packet, minus the socket. Binary is an ArrayBuffer on both sides (what a mini-program recorder hands
 * over, and what both decoders return with `binaryType: 'arraybuffer'`), so neither side pays a copy the
 * other does not. Rounds alternate ours/theirs so drift (CPU frequency, GC) hits both equally. The official
 * parsers are imported as Node resolves them (socket.io-parser's `esm-debug` build, whose `debug()` calls
 * cost a function call each but print nothing unless DEBUG is set): what socket.io-client runs in Node.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodePacket as eioDecodePacket, encodePacket as eioEncodePacket } from 'engine.io-parser';
import type { Packet as PeerPacket } from 'socket.io-parser';
import { Decoder as PeerDecoder, Encoder as PeerEncoder } from 'socket.io-parser';
import { decodeEnginePacket, encodeEnginePacket } from '../src/socketio/engine-io-parser';
import type { Packet } from '../src/socketio/socket-io-parser';
import { Decoder, encodePacket } from '../src/socketio/socket-io-parser';
import { median } from './stats';

const NSP = '/realtime-voice';

/** 100 ms of 16 kHz mono PCM16 — the audio frame the product streams ten times a second. */
export const AUDIO_FRAME_BYTES = 3200;

/** One kind of packet in the mix. */
export interface CodecCase {
  readonly name: string;
  readonly packet: Packet;
}

function audioFrame(): ArrayBuffer {
  const bytes = new Uint8Array(AUDIO_FRAME_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes.buffer;
}

/** The representative mix: small JSON events, an event asking for an ack, an ack, a binary audio frame. */
export const CODEC_CASES: readonly CodecCase[] = [
  {
    name: 'small JSON event',
    packet: {
      type: 2,
      nsp: NSP,
      data: ['partial', { text: 'turn on the kitchen light', seq: 42, final: false }],
    },
  },
  {
    name: 'event with ack id',
    packet: {
      type: 2,
      nsp: NSP,
      id: 7,
      data: ['start', { lang: 'en-US', sampleRate: 16000, format: 'pcm16' }],
    },
  },
  { name: 'ack', packet: { type: 3, nsp: NSP, id: 7, data: [{ ok: true, sessionId: 'c0ffee42' }] } },
  {
    name: `binary event ${AUDIO_FRAME_BYTES} B`,
    packet: { type: 2, nsp: NSP, id: 8, data: ['audio', { seq: 12 }, audioFrame()] },
  },
];

/** Encodes then decodes one packet; returns the decoded packet. */
type RoundTrip = (packet: Packet) => Packet;

function createOurs(): RoundTrip {
  const decoder = new Decoder();
  return (packet) => {
    let decoded: Packet | undefined;
    for (const part of encodePacket(packet)) {
      const frame = encodeEnginePacket({ type: 'message', data: part });
      const engine = decodeEnginePacket(frame);
      if (engine instanceof Error || engine.data === undefined) throw new Error('engine decode failed');
      const result = decoder.add(engine.data);
      if (result instanceof Error) throw result;
      if (result !== undefined) decoded = result;
    }
    if (!decoded) throw new Error('our decoder returned no packet');
    return decoded;
  };
}

function createTheirs(): RoundTrip {
  const encoder = new PeerEncoder();
  const decoder = new PeerDecoder();
  // The decoder reports through an event; a box keeps the last packet for the caller.
  const box: { packet: PeerPacket | undefined } = { packet: undefined };
  decoder.on('decoded', (packet: PeerPacket) => {
    box.packet = packet;
  });
  return (packet) => {
    box.packet = undefined;
    const parts: unknown[] = encoder.encode(packet as PeerPacket);
    for (const part of parts) {
      eioEncodePacket({ type: 'message', data: part as string | ArrayBuffer }, true, (frame) => {
        const engine = eioDecodePacket(frame, 'arraybuffer');
        decoder.add(engine.data);
      });
    }
    if (!box.packet) throw new Error("socket.io-parser's decoder returned no packet");
    return box.packet as Packet;
  };
}

/** Binary values compared by their bytes, so ours (ArrayBuffer) and theirs match on content. */
function normalize(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    return { bytes: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item)]));
  }
  return value;
}

/** Throws unless both codecs give back what went in (a benchmark of a wrong codec is meaningless). */
export function checkCodecs(): void {
  for (const implementation of [
    ['ours', createOurs()],
    ['socket.io-parser', createTheirs()],
  ] as const) {
    const [name, roundTrip] = implementation;
    for (const { name: caseName, packet } of CODEC_CASES) {
      const decoded = roundTrip(packet);
      // A packet with binary may come back as BINARY_EVENT (5) / BINARY_ACK (6) (ours) or as the
      // EVENT / ACK it was given (socket.io-parser maps it back): both are right.
      if (
        (decoded.type !== packet.type && decoded.type !== packet.type + 3) ||
        decoded.nsp !== packet.nsp ||
        decoded.id !== packet.id ||
        !isDeepStrictEqual(normalize(decoded.data), normalize(packet.data))
      ) {
        const got = JSON.stringify(normalize(decoded)).slice(0, 300);
        throw new Error(`${name} did not round-trip "${caseName}": got ${got}`);
      }
    }
  }
}

/** Packets per second for one case list, over one timed round. */
function measure(roundTrip: RoundTrip, packets: readonly Packet[], millis: number): number {
  let count = 0;
  const start = performance.now();
  const end = start + millis;
  let now = start;
  // Check the clock every batch, not every packet: performance.now() would otherwise weigh on small packets.
  while (now < end) {
    for (let batch = 0; batch < 64; batch++) {
      for (const packet of packets) roundTrip(packet);
      count += packets.length;
    }
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

/** One row of the codec table. */
export interface CodecResult {
  readonly name: string;
  /** Median packets/s over the rounds. */
  readonly ours: number;
  readonly theirs: number;
}

/**
 * Runs every case and the mix for `rounds` rounds of `millis` each per implementation.
 *
 * @example
 * const rows = runCodecBench({ rounds: 7, millis: 120 });
 */
export function runCodecBench(options: { rounds: number; millis: number }): CodecResult[] {
  checkCodecs();
  const ours = createOurs();
  const theirs = createTheirs();
  const suites: { name: string; packets: readonly Packet[] }[] = [
    ...CODEC_CASES.map(({ name, packet }) => ({ name, packets: [packet] })),
    { name: 'mix (the four above, 1:1:1:1)', packets: CODEC_CASES.map(({ packet }) => packet) },
  ];
  // Warm-up: let both reach optimized code before anything is recorded.
  for (const { packets } of suites) {
    measure(ours, packets, options.millis);
    measure(theirs, packets, options.millis);
  }
  // Rounds go over every suite in turn (not suite after suite), so a slow spell of a shared machine is
  // spread over all rows instead of landing on one; within a round, who goes first alternates.
  const samples = suites.map(() => ({ ours: [] as number[], theirs: [] as number[] }));
  for (let round = 0; round < options.rounds; round++) {
    suites.forEach(({ packets }, index) => {
      const into = samples[index]!;
      if (round % 2 === 0) {
        into.ours.push(measure(ours, packets, options.millis));
        into.theirs.push(measure(theirs, packets, options.millis));
      } else {
        into.theirs.push(measure(theirs, packets, options.millis));
        into.ours.push(measure(ours, packets, options.millis));
      }
    });
  }
  return suites.map(({ name }, index) => ({
    name,
    ours: median(samples[index]!.ours),
    theirs: median(samples[index]!.theirs),
  }));
}
