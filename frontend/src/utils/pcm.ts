/**
 * @module pcm — turning captured audio into the protocol's frames: 16 kHz, mono, s16le.
 *
 * Pure functions and one small class, shared by the H5 recorder (Web Audio gives Float32 at the context's
 * rate) and the unit tests. Mini-program recorders already deliver s16le PCM at 16 kHz.
 */

/** The protocol's sample rate. */
export const PCM_SAMPLE_RATE = 16_000;

/** Bytes per second of 16 kHz mono s16le. */
export const PCM_BYTES_PER_SECOND = PCM_SAMPLE_RATE * 2;

/** Milliseconds of audio in `bytes` of 16 kHz mono s16le. */
export function pcmDurationMs(bytes: number): number {
  return Math.round((bytes / PCM_BYTES_PER_SECOND) * 1000);
}

/**
 * Collects Float32 samples at any input rate and emits s16le frames of a fixed duration at 16 kHz.
 * Downsampling uses linear interpolation: speech recognisers look at < 8 kHz, where its error is small,
 * and browsers capture at 44.1/48 kHz unless the AudioContext was created at 16 kHz (Chromium does that
 * for us; Firefox refuses to connect a mic stream to a context of another rate).
 */
export class PcmFramer {
  private readonly step: number;
  private readonly frameSamples: number;
  private position = 0;
  private previous = 0;
  private out: Int16Array;
  private filled = 0;

  constructor(
    inputRate: number,
    private readonly emit: (frame: ArrayBuffer) => void,
    frameMs = 100,
  ) {
    if (!(inputRate > 0)) throw new RangeError(`invalid input sample rate ${inputRate}`);
    this.step = inputRate / PCM_SAMPLE_RATE;
    this.frameSamples = Math.max(1, Math.round((PCM_SAMPLE_RATE * frameMs) / 1000));
    this.out = new Int16Array(this.frameSamples);
  }

  /** Feeds mono Float32 samples in [-1, 1]. */
  push(samples: Float32Array): void {
    // `position` is the next output sample's time, in input samples, relative to samples[0]; index -1 is
    // the last sample of the previous chunk, so interpolation spans chunk boundaries.
    let pos = this.position;
    const n = samples.length;
    while (pos <= n - 1) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i < 0 ? this.previous : (samples[i] ?? 0);
      const b = i + 1 < n ? (samples[i + 1] ?? 0) : a;
      this.write(a + (b - a) * frac);
      pos += this.step;
    }
    this.position = pos - n;
    if (n > 0) this.previous = samples[n - 1] ?? 0;
  }

  /** Emits what is buffered as a last, shorter frame. */
  flush(): void {
    if (this.filled === 0) return;
    const frame = this.out.slice(0, this.filled);
    this.filled = 0;
    this.emit(frame.buffer);
  }

  private write(sample: number): void {
    const clamped = Math.min(1, Math.max(-1, sample));
    this.out[this.filled++] = clamped < 0 ? Math.round(clamped * 0x8000) : Math.round(clamped * 0x7fff);
    if (this.filled === this.frameSamples) {
      const frame = this.out;
      this.out = new Int16Array(this.frameSamples);
      this.filled = 0;
      this.emit(frame.buffer);
    }
  }
}

/**
 * Copies exactly the bytes of a frame into a fresh ArrayBuffer of even length, carrying an odd trailing
 * byte to the next call. Mini-program recorders may hand out views over a larger buffer; the socket must
 * send only the frame's bytes, and a sample must never be split across frames.
 */
export class FrameAligner {
  private spare: number | undefined;

  align(frame: ArrayBuffer | ArrayBufferView): ArrayBuffer | undefined {
    const bytes =
      frame instanceof ArrayBuffer
        ? new Uint8Array(frame)
        : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    const carry = this.spare === undefined ? 0 : 1;
    const total = bytes.length + carry;
    const even = total - (total % 2);
    if (even === 0) {
      if (bytes.length > 0) this.spare = bytes[bytes.length - 1];
      return undefined;
    }
    const out = new Uint8Array(even);
    if (this.spare !== undefined) out[0] = this.spare;
    out.set(bytes.subarray(0, even - carry), carry);
    this.spare = total % 2 === 1 ? bytes[bytes.length - 1] : undefined;
    return out.buffer;
  }

  reset(): void {
    this.spare = undefined;
  }
}
