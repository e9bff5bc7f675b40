import { describe, expect, it } from 'vitest';
import { SampleAligner } from './sample-aligner';

describe('SampleAligner', () => {
  it('carries an odd trailing byte to the next chunk', () => {
    const samples = new SampleAligner();
    expect([...samples.take(Uint8Array.of(1, 2, 3))]).toEqual([1, 2]);
    expect([...samples.take(Uint8Array.of(4))]).toEqual([3, 4]);
    expect([...samples.take(Uint8Array.of(5))]).toEqual([]);
    expect([...samples.take(Uint8Array.of(6, 7, 8))]).toEqual([5, 6, 7, 8]);
  });

  it('gives a copy: the caller may reuse its buffer', () => {
    const samples = new SampleAligner();
    const pcm = Uint8Array.of(1, 2);
    const taken = samples.take(pcm);
    pcm.fill(0);
    expect([...taken]).toEqual([1, 2]);
  });

  it('drops half a sample at reset', () => {
    const samples = new SampleAligner();
    samples.take(Uint8Array.of(1));
    samples.reset();
    expect([...samples.take(Uint8Array.of(2, 3))]).toEqual([2, 3]);
  });
});
