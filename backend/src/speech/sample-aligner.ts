/**
 * @module sample-aligner — whole 16-bit samples out of a byte stream cut anywhere.
 *
 * The engine interface lets callers write PCM in chunks of any length; every engine needs whole samples, so
 * an odd trailing byte waits for the next chunk. One implementation for all engines.
 */

/**
 * @example
 * const samples = new SampleAligner();
 * samples.take(Uint8Array.of(1, 2, 3)); // → [1, 2]; 3 waits
 * samples.take(Uint8Array.of(4));       // → [3, 4]
 */
export class SampleAligner {
  private carry: number | null = null;

  /** The whole samples so far, as a new array (callers may reuse `pcm` once this returns); may be empty. */
  take(pcm: Uint8Array): Uint8Array {
    let bytes: Uint8Array;
    if (this.carry === null) {
      bytes = new Uint8Array(pcm);
    } else {
      bytes = new Uint8Array(pcm.length + 1);
      bytes[0] = this.carry;
      bytes.set(pcm, 1);
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1]!;
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return bytes;
  }

  /** End of audio: half a sample is not audio. */
  reset(): void {
    this.carry = null;
  }
}
