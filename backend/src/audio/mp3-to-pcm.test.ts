/**
 * @module mp3-to-pcm.test — the decoding stage on real mp3 (flite speech encoded by Debian's lame): any
 * chunking gives the same PCM, other rates come out at 16 kHz with the right length, stereo becomes mono,
 * and garbage is an `MP3_INVALID` error rather than noise.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeMp3, type Mp3SampleRate, oddChunks } from '../../test/support/mp3';
import { pcmDurationMs, speechBounds, synthesizeSpeech } from '../../test/support/speech-audio';
import { AudioFormatError, Mp3ToPcm } from './mp3-to-pcm';
import { MpegFrameSplitter, parseFrameHeader } from './mpeg-frames';

const SENTENCE = 'how many miles is it to the nearest station';
let speech: Awaited<ReturnType<typeof synthesizeSpeech>>;

beforeAll(async () => {
  speech = await synthesizeSpeech(SENTENCE, { voice: 'rms' });
});

/** Decodes `chunks` through a fresh stage and returns all PCM. */
async function decode(chunks: readonly Uint8Array[]): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const stage = await Mp3ToPcm.create({ onPcm: (pcm) => out.push(pcm) });
  try {
    for (const chunk of chunks) stage.write(chunk);
    await stage.end();
  } finally {
    stage.free();
  }
  return Buffer.concat(out);
}

/** Pearson correlation of two s16le signals over their common length (alignment within `maxLag` samples). */
function bestCorrelation(a: Uint8Array, b: Uint8Array, maxLag = 1200): number {
  const x = new Int16Array(a.buffer.slice(a.byteOffset, a.byteOffset + (a.byteLength & ~1)));
  const y = new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.byteLength & ~1)));
  let best = -1;
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(x.length, y.length - lag);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i += 2) {
      sxy += x[i]! * y[i + lag]!;
      sxx += x[i]! * x[i]!;
      syy += y[i + lag]! * y[i + lag]!;
    }
    best = Math.max(best, sxy / Math.sqrt(sxx * syy || 1));
  }
  return best;
}

describe('parseFrameHeader', () => {
  it('reads version, layer, rate, bitrate and frame length', () => {
    // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding, joint stereo.
    expect(parseFrameHeader(Uint8Array.of(0xff, 0xfb, 0x90, 0x44), 0)).toMatchObject({
      version: 1,
      layer: 3,
      sampleRate: 44_100,
      bitrateKbps: 128,
      frameBytes: 417,
      samples: 1152,
      channels: 2,
    });
    // MPEG-2 layer III, 32 kbit/s, 16 kHz, mono: what the app asks Alipay for.
    expect(parseFrameHeader(Uint8Array.of(0xff, 0xf3, 0x48, 0xc4), 0)).toMatchObject({
      version: 2,
      sampleRate: 16_000,
      frameBytes: 144,
      samples: 576,
      channels: 1,
    });
  });

  it('rejects what is not a header', () => {
    expect(parseFrameHeader(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0)).toBeUndefined(); // bad bitrate
    expect(parseFrameHeader(Uint8Array.of(0x52, 0x49, 0x46, 0x46), 0)).toBeUndefined(); // "RIFF"
    expect(parseFrameHeader(Uint8Array.of(0xff, 0xe9, 0x90, 0x44), 0)).toBeUndefined(); // reserved version
    expect(parseFrameHeader(Uint8Array.of(0xff, 0xfb, 0x90), 0)).toBeUndefined(); // too short
  });
});

describe('Mp3ToPcm', () => {
  it('gives the same PCM whether the stream arrives whole, in odd chunks or byte by byte', async () => {
    const mp3 = await encodeMp3(speech.pcm, { sampleRate: 16_000 });
    const whole = await decode([mp3]);
    const odd = await decode(oddChunks(mp3));
    const bytewise = await decode(oddChunks(mp3.subarray(0, 3000), [1]).concat(mp3.subarray(3000)));
    expect(whole.length).toBeGreaterThan(0);
    expect(odd.equals(whole)).toBe(true);
    expect(bytewise.equals(whole)).toBe(true);
    // The same speech: length within one frame plus encoder delay, waveform strongly correlated.
    expect(Math.abs(pcmDurationMs(whole.length) - speech.durationMs)).toBeLessThan(120);
    expect(bestCorrelation(speech.pcm, whole)).toBeGreaterThan(0.8);
  });

  it.each<[Mp3SampleRate, boolean]>([
    [44_100, false],
    [22_050, false],
    [8_000, false],
    [48_000, true],
  ])('resamples a %i Hz stream (stereo: %s) to 16 kHz mono of the same length', async (rate, stereo) => {
    const mp3 = await encodeMp3(speech.pcm, { sampleRate: rate, stereo });
    const chunks = oddChunks(mp3, [501, 3, 2048, 77]);
    const pcm = await decode(chunks);
    // Encoder delay and padding: up to ~2 frames (72 ms each at 8 kHz).
    expect(Math.abs(pcmDurationMs(pcm.length) - speech.durationMs)).toBeLessThan(rate === 8_000 ? 200 : 150);
    const bounds = speechBounds(pcm);
    const original = speechBounds(speech.pcm);
    expect(bounds).not.toBeNull();
    expect(Math.abs(bounds!.endMs - bounds!.startMs - (original!.endMs - original!.startMs))).toBeLessThan(
      150,
    );
    // 8 kHz keeps only the telephone band and delays more (encoder delay ≈ 1100 samples at 8 kHz).
    if (rate === 8_000) expect(bestCorrelation(speech.pcm, pcm, 3000)).toBeGreaterThan(0.5);
    else expect(bestCorrelation(speech.pcm, pcm)).toBeGreaterThan(0.75);
  });

  it('reports the stream format and counts bytes in and out', async () => {
    const mp3 = await encodeMp3(speech.pcm, { sampleRate: 22_050 });
    let out = 0;
    const stage = await Mp3ToPcm.create({ onPcm: (pcm) => (out += pcm.byteLength) });
    stage.write(mp3);
    await stage.end();
    expect(stage.format).toMatchObject({ version: 2, layer: 3, sampleRate: 22_050 });
    expect(stage.bytesIn).toBe(mp3.length);
    expect(stage.bytesOut).toBe(out);
    stage.free();
    stage.free(); // idempotent
  });

  it('skips a leading ID3v2 tag, an ID3v1 tag and a little junk between frames', async () => {
    const mp3 = await encodeMp3(speech.pcm);
    const clean = await decode([mp3]);
    const tagBody = Buffer.alloc(300, 0x41);
    const id3v2 = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 2, 44]), tagBody]);
    const id3v1 = Buffer.concat([Buffer.from('TAG'), Buffer.alloc(125, 0x20)]);
    const tagged = await decode(oddChunks(Buffer.concat([id3v2, mp3, id3v1]), [7, 500, 13]));
    expect(tagged.equals(clean)).toBe(true);
    // 200 stray bytes after the 20th frame: the stage resyncs (mp3 streams over lossy links do this).
    const cut = 144 * 20;
    const damaged = await decode([mp3.subarray(0, cut), randomBytes(200), mp3.subarray(cut)]);
    expect(Math.abs(damaged.length - clean.length)).toBeLessThanOrEqual(576 * 2 * 3);
  });

  it('rejects random bytes, a WAV file and text with MP3_INVALID (no noise decoded)', async () => {
    const wav = await readFile(speech.wavPath);
    for (const garbage of [randomBytes(20_000), wav, Buffer.from('hello world '.repeat(2000))]) {
      const out: Uint8Array[] = [];
      const stage = await Mp3ToPcm.create({ onPcm: (pcm) => out.push(pcm) });
      let error: unknown;
      try {
        for (const chunk of oddChunks(garbage)) stage.write(chunk);
        await stage.end();
      } catch (caught) {
        error = caught;
      }
      stage.free();
      expect(error).toBeInstanceOf(AudioFormatError);
      expect(error).toMatchObject({ code: 'MP3_INVALID' });
      expect((error as Error).message).toMatch(/not an mp3 stream/);
      expect(out).toHaveLength(0);
    }
  });

  it('rejects garbage after valid audio, and keeps failing once failed', async () => {
    const mp3 = await encodeMp3(speech.pcm);
    const stage = await Mp3ToPcm.create({ onPcm: () => undefined });
    stage.write(mp3.subarray(0, 5000));
    expect(() => stage.write(randomBytes(20_000))).toThrow(/not an mp3 stream any more/);
    expect(() => stage.write(mp3.subarray(5000))).toThrow(AudioFormatError);
    await expect(stage.end()).rejects.toMatchObject({ code: 'MP3_INVALID' });
    stage.free();
  });

  it('says so when the format changes mid-stream', async () => {
    const a = await encodeMp3(speech.pcm, { sampleRate: 16_000 });
    const b = await encodeMp3(speech.pcm, { sampleRate: 44_100 });
    await expect(decode([a, b])).rejects.toThrow(
      /changed format \(MPEG-2 layer 3 16000 Hz → MPEG-1 layer 3 44100 Hz\)/,
    );
  });

  it('decodes an mp3 file with a leading Xing/LAME tag frame as audio of the right length (VBR)', async () => {
    const file = await encodeMp3(speech.pcm, { vbrQuality: 5, file: true });
    expect(file.includes(Buffer.from('Xing'))).toBe(true);
    const pcm = await decode(oddChunks(file));
    // The tag frame is no audio, and mpg123 applies its encoder delay/padding: the length is the speech's.
    expect(Math.abs(pcm.length - speech.pcm.byteLength)).toBeLessThanOrEqual(576 * 2);
    expect(bestCorrelation(speech.pcm, pcm, 100)).toBeGreaterThan(0.8);
  });

  it.each<[string, number[], number, number]>([
    // [name, header, frame bytes, samples per frame]: frames of a header and zeros are silent but valid.
    ['MPEG-1 layer I, 32 kHz, 64 kbit/s', [0xff, 0xff, 0x28, 0xc0], 96, 384],
    ['MPEG-1 layer II, 32 kHz, 64 kbit/s', [0xff, 0xfd, 0x48, 0xc0], 288, 1152],
    ['MPEG-2 layer II, 16 kHz, 64 kbit/s', [0xff, 0xf5, 0x88, 0xc0], 576, 1152],
  ])('decodes %s (frame lengths of the other layers)', async (_name, header, frameBytes, samples) => {
    expect(parseFrameHeader(Uint8Array.from(header), 0)).toMatchObject({ frameBytes, samples });
    const frames = 40;
    const stream = new Uint8Array(frameBytes * frames);
    for (let i = 0; i < frames; i++) stream.set(header, i * frameBytes);
    const pcm = await decode(oddChunks(stream, [55, 1, 300]));
    const rate = parseFrameHeader(stream, 0)!.sampleRate;
    // Every frame decoded (the resampler keeps a few samples of its filter).
    expect(pcm.length / 2).toBeGreaterThan(((frames * samples * 16_000) / rate) * 0.99);
    expect(pcm.length / 2).toBeLessThanOrEqual((frames * samples * 16_000) / rate);
  });

  it('refuses free-format mp3 with MP3_INVALID saying so', async () => {
    const free = await encodeMp3(speech.pcm, { freeFormat: true, bitrateKbps: 40 });
    expect(parseFrameHeader(free, 0)).toBeUndefined(); // bitrate index 0
    await expect(decode(oddChunks(free))).rejects.toMatchObject({
      code: 'MP3_INVALID',
      message: expect.stringMatching(/free-format/),
    });
    await expect(decode([free.subarray(0, 500)])).rejects.toThrow(/free-format/);
    // Checking the header must not have patched the caller's bytes (a Buffer's slice() is a view).
    expect(free.subarray(0, 4).toString('hex')).toBe(Buffer.from(free.subarray(0, 4)).toString('hex'));
    expect(parseFrameHeader(free, 0)).toBeUndefined();
  });

  it('drops a trailing partial frame at the end', async () => {
    const mp3 = await encodeMp3(speech.pcm);
    const whole = await decode([mp3]);
    const cutShort = await decode([mp3.subarray(0, mp3.length - 50)]);
    expect(cutShort.length).toBeLessThan(whole.length);
    expect(
      whole.subarray(0, cutShort.length - 576 * 2).equals(cutShort.subarray(0, cutShort.length - 576 * 2)),
    ).toBe(true);
  });
});

describe('MpegFrameSplitter', () => {
  it('holds back bytes until a frame is complete', async () => {
    const mp3 = await encodeMp3(speech.pcm);
    const splitter = new MpegFrameSplitter();
    expect(splitter.push(mp3.subarray(0, 100))).toHaveLength(0);
    // The first frame needs the next header to be trusted.
    expect(splitter.push(mp3.subarray(100, 146))).toHaveLength(0);
    expect(splitter.push(mp3.subarray(146, 148))).toHaveLength(1);
    expect(splitter.format?.sampleRate).toBe(16_000);
  });

  it('gives the same frames whatever offset the stream is cut at (tags and the first frames included)', async () => {
    const mp3 = await encodeMp3(speech.pcm, { sampleRate: 22_050 });
    const id3v2 = Buffer.concat([
      Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20]),
      Buffer.alloc(20, 0x41),
    ]);
    const id3v1 = Buffer.concat([Buffer.from('TAG'), Buffer.alloc(125, 0x20)]);
    const stream = Buffer.concat([id3v2, mp3, id3v1]);
    const framesOf = (chunks: readonly Uint8Array[]) => {
      // Less junk allowed than the tag is long: a tag taken for junk (cut inside "ID3") fails loudly.
      const splitter = new MpegFrameSplitter({ maxJunkBytes: 16 });
      const out: Uint8Array[] = [];
      for (const chunk of chunks) for (const frame of splitter.push(chunk)) out.push(frame.bytes);
      for (const frame of splitter.end()) out.push(frame.bytes);
      return Buffer.concat(out);
    };
    const whole = framesOf([stream]);
    expect(whole.equals(mp3)).toBe(true);
    // Every cut in the tag, the first three frames and the last frame with the ID3v1 tag after it.
    const firstFrame = parseFrameHeader(mp3, 0)!.frameBytes;
    const cuts = new Set<number>();
    for (let cut = 1; cut < id3v2.length + firstFrame * 3 + 8; cut++) cuts.add(cut);
    for (let cut = stream.length - 128 - firstFrame - 8; cut < stream.length; cut++) cuts.add(cut);
    for (const cut of cuts) {
      const cutThere = framesOf([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(cutThere.equals(whole), `cut at ${cut}`).toBe(true);
    }
    // And three pieces: a cut inside "ID3" plus one inside each of the first frames.
    for (let cut = id3v2.length; cut < id3v2.length + firstFrame * 2; cut += 7) {
      const cutThere = framesOf([stream.subarray(0, 2), stream.subarray(2, cut), stream.subarray(cut)]);
      expect(cutThere.equals(whole), `cuts at 2 and ${cut}`).toBe(true);
    }
  });

  it('skips a large ID3v2 tag (cover art) arriving in small chunks without holding it', () => {
    const body = 3 * 1024 * 1024;
    const size = [(body >> 21) & 0x7f, (body >> 14) & 0x7f, (body >> 7) & 0x7f, body & 0x7f];
    const header = Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0, ...size);
    const splitter = new MpegFrameSplitter();
    splitter.push(header);
    const chunk = new Uint8Array(4096).fill(0xff); // looks like syncs: must be skipped, not parsed
    for (let sent = 0; sent < body; sent += chunk.length) {
      expect(splitter.push(chunk.subarray(0, Math.min(chunk.length, body - sent)))).toHaveLength(0);
    }
    expect(splitter.buffered).toBe(0);
    const frame = Uint8Array.of(0xff, 0xf3, 0x48, 0xc4, ...new Uint8Array(140));
    const frames = splitter.push(Buffer.concat([frame, frame, frame]));
    expect(frames).toHaveLength(3);
    expect(splitter.end()).toHaveLength(0);
  });

  it('honours maxJunkBytes', () => {
    const splitter = new MpegFrameSplitter({ maxJunkBytes: 64 });
    expect(() => splitter.push(new Uint8Array(100))).toThrow(/first 64 bytes/);
  });
});
