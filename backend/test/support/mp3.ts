/**
 * @module mp3 — mp3 for tests and benchmarks, encoded from 16 kHz PCM with Debian's `lame` (installed by
 * `scripts/setup.sh`), written to stdout like a recorder's stream (no seek-back Xing/LAME tag) unless
 * `file` asks for a file as lame writes it to disk.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The MPEG rates a recorder may use (Alipay/WeChat document 8000–48000). */
export type Mp3SampleRate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;

export interface Mp3Options {
  /** Output rate; lame resamples the 16 kHz input. Default 16000. */
  readonly sampleRate?: Mp3SampleRate;
  /** Constant bitrate in kbit/s; default 32 at ≤ 16 kHz, 64 above. */
  readonly bitrateKbps?: number;
  /** Encode as joint stereo (both channels the same speech) instead of mono. */
  readonly stereo?: boolean;
  /** lame's VBR quality (`-V`, 0–9) instead of a constant bitrate. */
  readonly vbrQuality?: number;
  /** lame's free-format bitstream (`--freeformat`: no bitrate index in the frame headers). */
  readonly freeFormat?: boolean;
  /**
   * Write a file instead of a stream: lame then seeks back and fills the leading Xing/Info + LAME tag
   * frame (encoder delay and padding), as in an mp3 file uploaded from disk.
   */
  readonly file?: boolean;
}

/**
 * Encodes 16 kHz mono s16le PCM to an mp3 byte stream.
 *
 * @example
 * const mp3 = await encodeMp3(speech.pcm, { sampleRate: 44100 });
 */
export function encodeMp3(pcm: Uint8Array, options: Mp3Options = {}): Promise<Buffer> {
  const rate = options.sampleRate ?? 16_000;
  const bitrate = options.bitrateKbps ?? (rate <= 16_000 ? 32 : 64);
  const input = options.stereo ? interleave(pcm) : pcm;
  const args = [
    '--quiet',
    '-r',
    '-s',
    '16',
    '--bitwidth',
    '16',
    '--signed',
    '--little-endian',
    '-m',
    options.stereo ? 'j' : 'm',
    '--resample',
    String(rate / 1000),
    ...(options.vbrQuality === undefined ? ['-b', String(bitrate)] : ['-V', String(options.vbrQuality)]),
    ...(options.freeFormat ? ['--freeformat'] : []),
    '-',
  ];
  const dir = options.file ? mkdtempSync(join(tmpdir(), 'mp3-')) : undefined;
  const out = dir ? join(dir, 'out.mp3') : '-';
  return new Promise<Buffer>((resolve, reject) => {
    const child = execFile(
      'lame',
      [...args, out],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`lame failed (is it installed? scripts/setup.sh): ${stderr.toString()}`));
        else resolve(dir ? readFileSync(out) : stdout);
      },
    );
    child.stdin?.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }).finally(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

/** Mono s16le → interleaved stereo with both channels equal. */
function interleave(pcm: Uint8Array): Buffer {
  const samples = Math.floor(pcm.byteLength / 2);
  const out = Buffer.alloc(samples * 4);
  for (let i = 0; i < samples; i++) {
    out[i * 4] = pcm[i * 2]!;
    out[i * 4 + 1] = pcm[i * 2 + 1]!;
    out[i * 4 + 2] = pcm[i * 2]!;
    out[i * 4 + 3] = pcm[i * 2 + 1]!;
  }
  return out;
}

/**
 * Cuts `bytes` into chunks of varying odd sizes (deterministic), so frame boundaries fall anywhere.
 *
 * @example
 * for (const chunk of oddChunks(mp3, [333, 1, 777, 4099])) socket.emit('audio', chunk);
 */
export function oddChunks(
  bytes: Uint8Array,
  sizes: readonly number[] = [333, 1, 777, 17, 4099, 1201],
): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(offset, Math.min(bytes.length, offset + size)));
    offset += size;
  }
  return chunks;
}

/**
 * Writes `chunks` of an mp3 stream lasting `durationMs` on a real-time schedule: each chunk goes out when
 * the audio it completes would have been recorded (`speed` > 1 plays faster). Bounded by the chunk count.
 *
 * @example
 * await streamChunksAtRealTime(oddChunks(mp3), speech.durationMs, (chunk) => socket.emit('audio', chunk));
 */
export async function streamChunksAtRealTime(
  chunks: readonly Uint8Array[],
  durationMs: number,
  write: (chunk: Uint8Array) => void,
  options: { speed?: number } = {},
): Promise<void> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const speed = options.speed ?? 1;
  const started = performance.now();
  let sent = 0;
  for (const chunk of chunks) {
    sent += chunk.byteLength;
    const due = started + ((sent / total) * durationMs) / speed;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    write(chunk);
  }
}
