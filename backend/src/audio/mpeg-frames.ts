/**
 * @module mpeg-frames — splits an MPEG audio (mp1/mp2/mp3) byte stream into whole frames, whatever the
 * chunk boundaries, and tells a stream apart from garbage.
 *
 * mpg123 itself resynchronises on anything: fed random bytes or a WAV file it happily "decodes" noise.
 * So the frames are found here first, from their 4-byte headers (ISO 11172-3 / 13818-3, plus MPEG 2.5):
 * a stream is accepted once two consecutive headers agree (version, layer, sample rate), a leading ID3v2
 * tag and ID3v1 tags are skipped, and more than `maxJunkBytes` without a frame is an `MP3_INVALID` error.
 * Free-format streams (bitrate index 0: the frame length is not in the header) are not supported and get
 * an `MP3_INVALID` that says so; recorders and encoders write them only when asked to.
 */
import { CodedError } from '../errors';

/** An error of the mp3 stage; `code` travels to the client as a `session-error` or an HTTP error body. */
export class AudioFormatError extends CodedError<'MP3_INVALID'> {
  override name = 'AudioFormatError';
}

export interface MpegFrameHeader {
  /** 1 = MPEG-1, 2 = MPEG-2, 2.5 = MPEG-2.5. */
  readonly version: 1 | 2 | 2.5;
  readonly layer: 1 | 2 | 3;
  readonly sampleRate: number;
  readonly bitrateKbps: number;
  readonly channels: 1 | 2;
  /** Whole frame in bytes, header included. */
  readonly frameBytes: number;
  /** PCM samples (per channel) the frame decodes to. */
  readonly samples: number;
}

const BITRATES: Record<string, readonly number[]> = {
  // index 0 (free format) and 15 (bad) are not accepted
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<string, readonly number[]> = {
  '1': [44_100, 48_000, 32_000],
  '2': [22_050, 24_000, 16_000],
  '2.5': [11_025, 12_000, 8_000],
};

/**
 * Parses the 4-byte frame header at `offset`, or returns undefined when those bytes are not one.
 *
 * @example
 * parseFrameHeader(mp3, 0); // { version: 2, layer: 3, sampleRate: 16000, frameBytes: 144, ... }
 */
export function parseFrameHeader(bytes: Uint8Array, offset: number): MpegFrameHeader | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  if (versionBits === 1 || layerBits === 0) return undefined;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  // Emphasis "reserved" (2) never occurs in real streams; rejecting it lowers false syncs in garbage.
  if ((b3 & 3) === 2) return undefined;
  const bitrateKbps = BITRATES[`${version === 1 ? 1 : 2}-${layer}`]![bitrateIndex]!;
  const sampleRate = SAMPLE_RATES[String(version)]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const samples = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const frameBytes =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4
      : Math.floor(((samples / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return {
    version,
    layer,
    sampleRate,
    bitrateKbps,
    channels: b3 >> 6 === 3 ? 1 : 2,
    frameBytes,
    samples,
  };
}

export interface MpegFrameSplitterOptions {
  /** Bytes without a frame that are tolerated (resync) before the stream is declared garbage. */
  readonly maxJunkBytes?: number;
}

/** Longest legal frame is ~2.9 KB (MPEG 2.5 layer II); 8 KB of junk in a row is not a damaged stream. */
const DEFAULT_MAX_JUNK = 8192;

/**
 * Collects bytes and hands out whole frames, in order. Throws `AudioFormatError` on garbage.
 *
 * @example
 * const splitter = new MpegFrameSplitter();
 * for (const frame of splitter.push(chunk)) decode(frame.bytes);
 * for (const frame of splitter.end()) decode(frame.bytes);
 */
export class MpegFrameSplitter {
  /** The stream's format once two consecutive frames agreed on it. */
  format: MpegFrameHeader | undefined;
  private buffer = new Uint8Array(0);
  /** Bytes of a leading ID3v2 tag still to drop as they arrive (a tag may be megabytes: never buffered). */
  private skip = 0;
  /** A free-format header was seen where the stream should start, for the message. */
  private freeFormat = false;
  private junk = 0;
  private started = false;
  private received = 0;
  /** A header of another format seen while resyncing (a mid-stream format change), for the message. */
  private mismatch: MpegFrameHeader | undefined;
  private readonly maxJunk: number;

  constructor(options: MpegFrameSplitterOptions = {}) {
    this.maxJunk = options.maxJunkBytes ?? DEFAULT_MAX_JUNK;
  }

  /** Bytes held back: the start of a frame not complete yet (a skipped tag is never held). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Adds bytes; returns the frames completed by them (possibly none). */
  push(chunk: Uint8Array): { header: MpegFrameHeader; bytes: Uint8Array }[] {
    this.received += chunk.byteLength;
    // A copy (`new Uint8Array(view)`), never a view: a Node Buffer's `slice()` would alias the caller's
    // memory (and keep a whole socket message alive for a few bytes).
    this.buffer = this.buffer.length === 0 ? new Uint8Array(chunk) : concat(this.buffer, chunk);
    return this.take(false);
  }

  /**
   * End of stream: returns the last complete frames; a trailing partial frame is dropped. A stream that
   * had bytes but never a frame is `MP3_INVALID` here, however short it was.
   */
  end(): { header: MpegFrameHeader; bytes: Uint8Array }[] {
    const frames = this.take(true);
    // A tail in another format (too short to pass the junk limit) is not dropped in silence.
    if (this.format && this.mismatch) {
      throw new AudioFormatError('MP3_INVALID', formatChanged(this.format, this.mismatch));
    }
    if (!this.format && frames.length === 0 && this.received > 0) {
      throw new AudioFormatError(
        'MP3_INVALID',
        this.freeFormat
          ? FREE_FORMAT_MESSAGE
          : `not an mp3 stream: no MPEG audio frame in ${this.received} bytes`,
      );
    }
    this.buffer = new Uint8Array(0);
    return frames;
  }

  private take(final: boolean): { header: MpegFrameHeader; bytes: Uint8Array }[] {
    const frames: { header: MpegFrameHeader; bytes: Uint8Array }[] = [];
    const buf = this.buffer;
    let pos = 0;
    for (;;) {
      if (this.skip > 0) {
        const dropped = Math.min(this.skip, buf.length - pos);
        this.skip -= dropped;
        pos += dropped;
        if (this.skip > 0) break;
        continue;
      }
      if ((!this.started || this.format !== undefined) && couldBeId3(buf, pos)) {
        // ID3v2 at the start of a stream, or once the stream is known after its audio (v2.4 appended tags,
        // cover art; a tag between joined files) — never a frame, which starts with a sync byte: 10-byte
        // header, syncsafe size, optional 10-byte footer. A chunk may end inside "ID3" itself: wait for the
        // whole header before deciding.
        if (buf.length - pos < 10) {
          if (final) pos = buf.length;
          break;
        }
        const size = (buf[pos + 6]! << 21) | (buf[pos + 7]! << 14) | (buf[pos + 8]! << 7) | buf[pos + 9]!;
        this.skip = 10 + size + (buf[pos + 5]! & 0x10 ? 10 : 0);
        continue;
      }
      if (buf.length - pos < 4) break;
      this.started = true;
      if (startsWith(buf, pos, 'TAG') && this.format) {
        // ID3v1: 128 bytes, at the end of a file (or between concatenated files).
        if (buf.length - pos < 128 && !final) break;
        pos = Math.min(buf.length, pos + 128);
        continue;
      }
      const header = parseFrameHeader(buf, pos);
      const fits = header !== undefined && (!this.format || sameStream(this.format, header));
      if (header && !fits) {
        // Another format that continues with a frame of its own: a real stream, not a chance sync in junk.
        const next = parseFrameHeader(buf, pos + header.frameBytes);
        if (next && sameStream(header, next)) this.mismatch = header;
      }
      if (header && fits) {
        const end = pos + header.frameBytes;
        // Until the stream is known (start, or after junk) a header only counts if the next one agrees.
        const confirmed = this.format !== undefined && this.junk === 0;
        if (!confirmed) {
          if (buf.length < end + 4) {
            if (!final) break;
            // A stream of a single frame: accept it only if nothing before it was junk.
            if (buf.length < end || this.junk > 0) {
              pos = buf.length;
              break;
            }
          } else {
            const next = parseFrameHeader(buf, end);
            if (!next || !sameStream(header, next)) {
              pos = this.skipJunk(buf, pos);
              continue;
            }
          }
        }
        if (buf.length < end) {
          if (final) pos = buf.length;
          break;
        }
        this.format ??= header;
        this.junk = 0;
        this.mismatch = undefined;
        frames.push({ header, bytes: buf.slice(pos, end) });
        pos = end;
        continue;
      }
      pos = this.skipJunk(buf, pos);
    }
    this.buffer = pos === 0 ? buf : buf.slice(pos);
    return frames;
  }

  private skipJunk(buf: Uint8Array, pos: number): number {
    // Only where the stream starts: a chance free-format sync inside junk must not change the message.
    if (!this.format && this.junk === 0 && isFreeFormatHeader(buf, pos)) this.freeFormat = true;
    this.junk += 1;
    if (this.junk > this.maxJunk) {
      throw new AudioFormatError(
        'MP3_INVALID',
        this.freeFormat && !this.format
          ? FREE_FORMAT_MESSAGE
          : !this.format
            ? `not an mp3 stream: no MPEG audio frame in the first ${this.maxJunk} bytes`
            : this.mismatch
              ? formatChanged(this.format, this.mismatch)
              : `not an mp3 stream any more: more than ${this.maxJunk} bytes without an MPEG audio frame`,
      );
    }
    return pos + 1;
  }
}

const FREE_FORMAT_MESSAGE =
  'not a supported mp3 stream: free-format MPEG audio (no bitrate in the frame headers); record or encode with a fixed or variable bitrate';

/** A header that would be valid but for bitrate index 0 (free format). */
function isFreeFormatHeader(bytes: Uint8Array, offset: number): boolean {
  if (offset + 4 > bytes.length || bytes[offset] !== 0xff || (bytes[offset + 1]! & 0xe0) !== 0xe0)
    return false;
  if (bytes[offset + 2]! >> 4 !== 0) return false;
  const patched = Uint8Array.from(bytes.subarray(offset, offset + 4)); // a copy: never touch the input
  patched[2] = patched[2]! | 0x10; // any valid bitrate index: does the rest of the header hold?
  return parseFrameHeader(patched, 0) !== undefined;
}

function sameStream(a: MpegFrameHeader, b: MpegFrameHeader): boolean {
  return a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate;
}

function describe(h: MpegFrameHeader): string {
  return `MPEG-${h.version} layer ${h.layer} ${h.sampleRate} Hz`;
}

/** The bytes at `pos` (at least one) are "ID3" or the start of it. */
function formatChanged(from: MpegFrameHeader, to: MpegFrameHeader): string {
  return `the mp3 stream changed format (${describe(from)} → ${describe(to)}): one session carries one format`;
}

function couldBeId3(buf: Uint8Array, pos: number): boolean {
  const available = Math.min(3, buf.length - pos);
  if (available <= 0) return false;
  for (let i = 0; i < available; i++) if (buf[pos + i] !== 'ID3'.charCodeAt(i)) return false;
  return true;
}

function startsWith(buf: Uint8Array, pos: number, ascii: string): boolean {
  if (buf.length - pos < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[pos + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
