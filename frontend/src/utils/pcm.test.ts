import { describe, expect, it } from 'vitest';
import { FrameAligner, PcmFramer, pcmDurationMs } from './pcm';

describe('PcmFramer', () => {
  it('passes 16 kHz through as s16le frames of the asked duration', () => {
    const frames: ArrayBuffer[] = [];
    const framer = new PcmFramer(16_000, (f) => frames.push(f), 10); // 160 samples
    framer.push(new Float32Array(100).fill(0.5));
    framer.push(new Float32Array(100).fill(-0.5));
    expect(frames).toHaveLength(1);
    const first = new Int16Array(frames[0]!);
    expect(first.length).toBe(160);
    expect(first[0]).toBe(Math.round(0.5 * 0x7fff));
    expect(first[159]).toBe(Math.round(-0.5 * 0x8000));
    // Little-endian on the wire.
    expect(new DataView(frames[0]!).getInt16(0, true)).toBe(first[0]);
    framer.flush();
    expect(new Int16Array(frames[1]!).length).toBe(40);
  });

  it('downsamples 48 kHz to 16 kHz across chunk boundaries', () => {
    const frames: ArrayBuffer[] = [];
    const framer = new PcmFramer(48_000, (f) => frames.push(f), 100);
    // One second of a 440 Hz sine in 128-sample render quanta, as an AudioWorklet delivers it.
    const total = 48_000;
    for (let offset = 0; offset < total; offset += 128) {
      const chunk = new Float32Array(Math.min(128, total - offset));
      for (let i = 0; i < chunk.length; i++)
        chunk[i] = 0.8 * Math.sin((2 * Math.PI * 440 * (offset + i)) / 48_000);
      framer.push(chunk);
    }
    framer.flush();
    const samples = frames.reduce((n, f) => n + f.byteLength / 2, 0);
    expect(Math.abs(samples - 16_000)).toBeLessThanOrEqual(1);
    const out = new Int16Array(frames[0]!);
    // Sample k at 16 kHz is input sample 3k: the same sine.
    for (const k of [1, 17, 250, 1599]) {
      const expected = 0.8 * Math.sin((2 * Math.PI * 440 * 3 * k) / 48_000);
      expect(out[k]! / 0x7fff).toBeCloseTo(expected, 2);
    }
  });

  it('clamps out-of-range samples', () => {
    const frames: ArrayBuffer[] = [];
    const framer = new PcmFramer(16_000, (f) => frames.push(f), 1000);
    framer.push(new Float32Array([2, -2]));
    framer.flush();
    expect([...new Int16Array(frames[0]!)]).toEqual([32767, -32768]);
  });
});

describe('FrameAligner', () => {
  it('copies exact bytes and carries an odd byte', () => {
    const aligner = new FrameAligner();
    expect(aligner.align(new Uint8Array([1]))).toBeUndefined();
    expect([...new Uint8Array(aligner.align(new Uint8Array([2, 3, 4]))!)]).toEqual([1, 2, 3, 4]);
    aligner.reset();
    expect([...new Uint8Array(aligner.align(new Uint8Array([5, 6, 7]))!)]).toEqual([5, 6]);
  });
});

describe('pcmDurationMs', () => {
  it('is 1000 ms for 32000 bytes', () => {
    expect(pcmDurationMs(32_000)).toBe(1000);
  });
});
