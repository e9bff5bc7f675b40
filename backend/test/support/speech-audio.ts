/**
 * @module speech-audio — real speech for tests and benchmarks: synthesized, spliced, streamed, scored.
 *
 * Speech comes from Debian's `flite` (its voices sit close enough to pocketsphinx's acoustic model; espeak
 * voices do not), converted with `sox` to 16 kHz mono 16-bit when a voice renders at another rate, and
 * cached in the OS temp directory by a hash of voice and text so repeated runs do not re-synthesize.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseWav, requireSpeechFormat } from '../../src/audio/wav';

const run = promisify(execFile);

export const SAMPLE_RATE = 16_000;
const BYTES_PER_MS = (SAMPLE_RATE * 2) / 1000;
/** Bump to invalidate cached files when the synthesis pipeline changes. */
const CACHE_VERSION = 1;

/** Debian flite's built-in voices; `kal` renders at 8 kHz and is resampled. */
export type FliteVoice = 'rms' | 'slt' | 'awb' | 'kal' | 'kal16';

export interface SynthesizedSpeech {
  readonly wavPath: string;
  /** 16 kHz mono 16-bit little-endian PCM. */
  readonly pcm: Buffer;
  readonly durationMs: number;
}

/** Milliseconds of 16 kHz 16-bit mono audio in `bytes`. */
export function pcmDurationMs(bytes: number): number {
  return bytes / BYTES_PER_MS;
}

/**
 * Synthesize `text` with a flite voice as 16 kHz mono 16-bit PCM (cached).
 *
 * @example
 * const { pcm, durationMs } = await synthesizeSpeech('turn on the lights', { voice: 'rms' });
 */
export async function synthesizeSpeech(
  text: string,
  options: { voice?: FliteVoice; cacheDir?: string } = {},
): Promise<SynthesizedSpeech> {
  const voice = options.voice ?? 'rms';
  const dir = options.cacheDir ?? join(tmpdir(), 'realtime-voice-speech');
  const key = createHash('sha256').update(`${CACHE_VERSION}\0${voice}\0${text}`).digest('hex').slice(0, 24);
  const wavPath = join(dir, `${voice}-${key}.wav`);
  if (!(await exists(wavPath))) {
    await mkdir(dir, { recursive: true });
    // Unique temp names and an atomic rename: parallel test files may synthesize the same text at once.
    const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const raw = join(dir, `${key}.${unique}.flite.wav`);
    const converted = join(dir, `${key}.${unique}.wav`);
    try {
      await run('flite', ['-voice', voice, '-t', text, '-o', raw], { timeout: 30_000 });
      const format = parseWav(await readFile(raw));
      if (format.sampleRate === SAMPLE_RATE && format.channels === 1 && format.bitsPerSample === 16) {
        await rename(raw, wavPath);
      } else {
        await run(
          'sox',
          [raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', converted],
          {
            timeout: 30_000,
          },
        );
        await rename(converted, wavPath);
      }
    } finally {
      await rm(raw, { force: true });
      await rm(converted, { force: true });
    }
  }
  const wav = parseWav(await readFile(wavPath));
  requireSpeechFormat(wav, SAMPLE_RATE);
  const pcm = Buffer.from(wav.pcm.buffer, wav.pcm.byteOffset, wav.pcm.byteLength);
  return { wavPath, pcm, durationMs: pcmDurationMs(pcm.length) };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 44;
  } catch {
    return false;
  }
}

/** Where a segment lies in spliced audio: the whole clip, and its audible part (synthesizers pad clips). */
export interface AudioSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly speechStartMs: number;
  readonly speechEndMs: number;
}

export interface SplicedAudio {
  readonly pcm: Buffer;
  readonly segments: readonly AudioSegment[];
  readonly durationMs: number;
}

/**
 * The audible part of 16-bit PCM: from the first to the last sample whose magnitude reaches `threshold`
 * (flite pads its clips with ~180 ms of near-silence at each end). `null` when nothing is audible.
 *
 * @example
 * speechBounds(clip.pcm); // { startMs: 182, endMs: 3299 }
 */
export function speechBounds(pcm: Uint8Array, threshold = 300): { startMs: number; endMs: number } | null {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength - (pcm.byteLength % 2));
  const samples = view.byteLength / 2;
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples; i++) {
    if (Math.abs(view.getInt16(i * 2, true)) >= threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return null;
  return { startMs: (first * 1000) / SAMPLE_RATE, endMs: ((last + 1) * 1000) / SAMPLE_RATE };
}

/**
 * Join PCM segments with silence: `leadMs` before the first, `gapMs` between, `tailMs` after the last.
 * Silence is digital zero unless `noise` (peak amplitude in LSB) asks for a deterministic low hiss.
 *
 * @example
 * const { pcm, segments } = concatWithSilence([a.pcm, b.pcm], { gapMs: 1500, tailMs: 1000 });
 */
export function concatWithSilence(
  pcms: readonly Uint8Array[],
  options: { gapMs?: number; leadMs?: number; tailMs?: number; noise?: number } = {},
): SplicedAudio {
  const gapMs = options.gapMs ?? 1000;
  const parts: Uint8Array[] = [];
  const segments: AudioSegment[] = [];
  let bytes = 0;
  const pushSilence = (ms: number) => {
    const silence = makeSilence(ms, options.noise ?? 0, bytes);
    parts.push(silence);
    bytes += silence.length;
  };
  pushSilence(options.leadMs ?? 0);
  pcms.forEach((pcm, index) => {
    if (index > 0) pushSilence(gapMs);
    // Keep segments sample-aligned so the result stays valid 16-bit PCM.
    const even = pcm.length % 2 === 0 ? pcm : pcm.subarray(0, pcm.length - 1);
    const startMs = pcmDurationMs(bytes);
    const endMs = pcmDurationMs(bytes + even.length);
    const audible = speechBounds(even);
    segments.push({
      startMs,
      endMs,
      speechStartMs: audible ? startMs + audible.startMs : startMs,
      speechEndMs: audible ? startMs + audible.endMs : endMs,
    });
    parts.push(even);
    bytes += even.length;
  });
  pushSilence(options.tailMs ?? gapMs);
  const pcm = Buffer.concat(parts);
  return { pcm, segments, durationMs: pcmDurationMs(pcm.length) };
}

/** `ms` of silence as PCM; with `noise` > 0, a reproducible hiss seeded by `seed`. */
export function makeSilence(ms: number, noise = 0, seed = 1): Buffer {
  const samples = Math.round((ms * SAMPLE_RATE) / 1000);
  const out = Buffer.alloc(samples * 2);
  if (noise > 0) {
    let state = (seed | 0) ^ 0x9e3779b9 || 1;
    for (let i = 0; i < samples; i++) {
      // xorshift32: cheap, deterministic, good enough for hiss.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out.writeInt16LE(Math.round(((state >>> 0) / 0xffffffff - 0.5) * 2 * noise), i * 2);
    }
  }
  return out;
}

export interface StreamTiming {
  readonly chunks: number;
  readonly elapsedMs: number;
  /** Wall time at which each chunk was written (performance.now()). */
  readonly writtenAt: readonly number[];
}

/**
 * Write `pcm` in `chunkMs` pieces on a real-time schedule (drift-corrected against the start time).
 * `speed` > 1 plays faster; `signal` stops early. Bounded by the audio's length: it always ends.
 *
 * @example
 * await streamAtRealTime(pcm, 100, (chunk) => stream.write(chunk));
 */
export async function streamAtRealTime(
  pcm: Uint8Array,
  chunkMs: number,
  write: (chunk: Uint8Array, index: number) => void | Promise<void>,
  options: { speed?: number; signal?: AbortSignal } = {},
): Promise<StreamTiming> {
  const speed = options.speed ?? 1;
  const chunkBytes = Math.max(2, Math.round(chunkMs * BYTES_PER_MS) & ~1);
  const started = performance.now();
  const writtenAt: number[] = [];
  let index = 0;
  for (let offset = 0; offset < pcm.length && !options.signal?.aborted; offset += chunkBytes) {
    const due = started + (index * chunkMs) / speed;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    writtenAt.push(performance.now());
    await write(pcm.subarray(offset, Math.min(pcm.length, offset + chunkBytes)), index);
    index++;
  }
  return { chunks: index, elapsedMs: performance.now() - started, writtenAt };
}

/** Lower-case words without punctuation (apostrophes kept: "don't" is one word). */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9'\s]/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');
}

/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, by word-level edit
 * distance. An empty reference scores 0 against an empty hypothesis and 1 otherwise.
 *
 * @example
 * wordErrorRate('turn on the lights', 'turn on lights'); // 0.25
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1));
    }
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}
