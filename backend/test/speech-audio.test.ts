/**
 * @module speech-audio.test — the speech fixtures themselves: scoring, splicing, pacing, synthesis.
 */

import { describe, expect, it } from 'vitest';
import {
  concatWithSilence,
  makeSilence,
  pcmDurationMs,
  speechBounds,
  streamAtRealTime,
  synthesizeSpeech,
  wordErrorRate,
} from './support/speech-audio';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions against the reference length', () => {
    expect(wordErrorRate('turn on the lights', 'turn on the lights')).toBe(0);
    expect(wordErrorRate('turn on the lights', 'turn on lights')).toBe(0.25);
    expect(wordErrorRate('turn on the lights', 'turn off the lights please')).toBe(0.5);
    expect(wordErrorRate('a b', '')).toBe(1);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });

  it('ignores case and punctuation but keeps apostrophes', () => {
    expect(wordErrorRate("Don't stop, now!", "don't stop now")).toBe(0);
    expect(wordErrorRate("don't", 'dont')).toBe(1);
  });
});

describe('concatWithSilence', () => {
  it('places segments after lead and gap silence', () => {
    const a = Buffer.alloc(3200, 1);
    const b = Buffer.alloc(1601, 2); // odd length: trimmed to whole samples
    const spliced = concatWithSilence([a, b], { leadMs: 500, gapMs: 1000, tailMs: 250 });
    expect(spliced.segments).toEqual([
      { startMs: 500, endMs: 600, speechStartMs: 500, speechEndMs: 600 },
      { startMs: 1600, endMs: 1650, speechStartMs: 1600, speechEndMs: 1650 },
    ]);
    expect(spliced.durationMs).toBe(1900);
    expect(spliced.pcm.length % 2).toBe(0);
  });

  it('finds the audible part of a padded clip', () => {
    const clip = Buffer.concat([makeSilence(200, 50), Buffer.alloc(3200, 0x10), makeSilence(300)]);
    expect(speechBounds(clip)).toEqual({ startMs: 200, endMs: 300 });
    expect(speechBounds(makeSilence(100, 50))).toBeNull();
    const spliced = concatWithSilence([clip], { leadMs: 1000 });
    expect(spliced.segments[0]).toMatchObject({
      startMs: 1000,
      speechStartMs: 1200,
      speechEndMs: 1300,
      endMs: 1600,
    });
  });

  it('makes reproducible low-level hiss on request', () => {
    const hiss = makeSilence(100, 4, 7);
    expect(hiss.equals(makeSilence(100, 4, 7))).toBe(true);
    let peak = 0;
    for (let i = 0; i < hiss.length; i += 2) peak = Math.max(peak, Math.abs(hiss.readInt16LE(i)));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
    expect(makeSilence(10).every((byte) => byte === 0)).toBe(true);
  });
});

describe('streamAtRealTime', () => {
  it('writes every byte in order, paced by the clock', async () => {
    const pcm = Buffer.alloc(32 * 400); // 400 ms
    for (let i = 0; i < pcm.length; i++) pcm[i] = i % 251;
    const received: Buffer[] = [];
    const timing = await streamAtRealTime(
      pcm,
      100,
      (chunk) => {
        received.push(Buffer.from(chunk));
      },
      { speed: 2 },
    );
    expect(Buffer.concat(received).equals(pcm)).toBe(true);
    expect(timing.chunks).toBe(4);
    // Last chunk is due at 150 ms at double speed; allow a loaded machine's timer slack.
    expect(timing.elapsedMs).toBeGreaterThanOrEqual(140);
    expect(timing.elapsedMs).toBeLessThan(2000);
  });

  it('stops early when aborted', async () => {
    const controller = new AbortController();
    const timing = await streamAtRealTime(
      Buffer.alloc(32 * 1000),
      100,
      (_chunk, index) => {
        if (index === 1) controller.abort();
      },
      { speed: 10, signal: controller.signal },
    );
    expect(timing.chunks).toBe(2);
  });
});

describe('synthesizeSpeech', () => {
  it('gives 16 kHz mono PCM for a 16 kHz and an 8 kHz flite voice, cached', async () => {
    const rms = await synthesizeSpeech('hello world', { voice: 'rms' });
    expect(rms.durationMs).toBeGreaterThan(500);
    expect(rms.durationMs).toBeLessThan(3000);
    expect(rms.durationMs).toBe(pcmDurationMs(rms.pcm.length));
    const again = await synthesizeSpeech('hello world', { voice: 'rms' });
    expect(again.wavPath).toBe(rms.wavPath);
    expect(again.pcm.equals(rms.pcm)).toBe(true);
    // kal renders at 8 kHz: sox resamples it, so about the same duration arrives as twice the bytes/ms.
    const kal = await synthesizeSpeech('hello world', { voice: 'kal' });
    expect(kal.wavPath).not.toBe(rms.wavPath);
    expect(kal.durationMs).toBeGreaterThan(500);
    expect(kal.durationMs).toBeLessThan(3000);
  }, 30_000);
});
