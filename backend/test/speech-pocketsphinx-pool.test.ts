/**
 * @module speech-pocketsphinx-pool.test — the pocketsphinx decoder pool, against the real library.
 *
 * A reused decoder must give exactly what a fresh one gives on the same audio (without the reset, 3 of 10
 * flite sentences came out different); a start abandoned while waiting creates nothing; a full pool
 * refuses with `ENGINE_BUSY`; whatever ends a stream gives its decoder back; `close()` frees everything.
 */

import { afterEach, describe, expect, it } from 'vitest';
import {
  createPocketsphinxEngine,
  type PocketsphinxEngine,
  type SpeechError,
  type SpeechStream,
} from '../src/speech';
import { concatWithSilence, synthesizeSpeech } from './support/speech-audio';

const opened: PocketsphinxEngine[] = [];

function engineWith(options: Parameters<typeof createPocketsphinxEngine>[0]): PocketsphinxEngine {
  const engine = createPocketsphinxEngine(options);
  opened.push(engine);
  return engine;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((engine) => engine.close()));
});

async function spoken(sentences: readonly string[], voice: 'rms' | 'slt') {
  const parts = await Promise.all(sentences.map((s) => synthesizeSpeech(s, { voice })));
  return concatWithSilence(
    parts.map((p) => p.pcm),
    { leadMs: 300, gapMs: 1200, tailMs: 1200 },
  ).pcm;
}

/** Decodes `pcm` in one stream and returns its finals' text. */
async function transcribe(engine: PocketsphinxEngine, pcm: Uint8Array): Promise<string[]> {
  const finals: string[] = [];
  const errors: SpeechError[] = [];
  const stream = await engine.createStream(
    { sampleRate: 16_000 },
    {
      onPartial: () => {},
      onFinal: (final) => finals.push(final.text),
      onError: (error) => errors.push(error as SpeechError),
    },
  );
  stream.write(pcm);
  await stream.flush();
  expect(errors).toEqual([]);
  return finals;
}

const quiet = { onPartial: () => {}, onFinal: () => {}, onError: () => {} };

describe('pocketsphinx decoder pool', () => {
  it('a reused decoder gives the same text as a fresh one on the same audio', async () => {
    // The sentences whose text a decoder carrying the previous stream's state changed (slt voice).
    const probe = await spoken(
      ['how many miles is it to the nearest station', 'call my mother tomorrow morning'],
      'slt',
    );
    const before = await spoken(
      ['please turn on the kitchen lights', 'what is the weather like today'],
      'rms',
    );

    const fresh = engineWith({ maxStreams: 1, warmDecoders: 1, lanes: 1 });
    const freshText = await transcribe(fresh, probe);

    const reused = engineWith({ maxStreams: 1, warmDecoders: 1, lanes: 1 });
    await transcribe(reused, before);
    await transcribe(reused, before);
    const reusedText = await transcribe(reused, probe);

    expect(reused.poolStats()).toMatchObject({ live: 0, idle: 1, reusing: true });
    expect(freshText).toHaveLength(2);
    expect(reusedText).toEqual(freshText);
  }, 120_000);

  it('a start whose signal aborts while it waits for a decoder creates nothing', async () => {
    const engine = engineWith({ maxStreams: 2, warmDecoders: 0, lanes: 1 });
    const first = engine.createStream({ sampleRate: 16_000 }, quiet);
    const abort = new AbortController();
    const second = engine.createStream({ sampleRate: 16_000 }, quiet, { signal: abort.signal });
    // The second waits behind the first's decoder creation (one ps_init at a time).
    abort.abort(new Error('client left'));
    // The interface's contract (CreateStreamControl): whatever the reason, the caller gets `ABORTED`.
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' });
    const stream = await first;
    expect(engine.poolStats()).toMatchObject({ live: 1, idle: 0 });
    await stream.close();
    // warmDecoders 0: nothing is kept idle.
    expect(engine.poolStats()).toMatchObject({ live: 0, idle: 0 });
  }, 60_000);

  it('an already aborted signal is refused before anything is taken from the pool', async () => {
    const engine = engineWith({ maxStreams: 1, warmDecoders: 1, lanes: 1 });
    await engine.whenWarm();
    await expect(
      engine.createStream({ sampleRate: 16_000 }, quiet, { signal: AbortSignal.abort(new Error('gone')) }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(engine.poolStats()).toMatchObject({ live: 0, idle: 1 });
  }, 60_000);

  it('refuses a stream beyond maxStreams with ENGINE_BUSY, and serves again once one ends', async () => {
    const engine = engineWith({ maxStreams: 2, warmDecoders: 2, lanes: 1 });
    await engine.whenWarm();
    const started = performance.now();
    const a = await engine.createStream({ sampleRate: 16_000 }, quiet);
    const b = await engine.createStream({ sampleRate: 16_000 }, quiet);
    // Warm decoders: taking one loads nothing (a fresh decoder takes ~0.3 s or more).
    console.log(`two starts from a warm pool: ${(performance.now() - started).toFixed(0)} ms`);
    await expect(engine.createStream({ sampleRate: 16_000 }, quiet)).rejects.toMatchObject({
      code: 'ENGINE_BUSY',
    });
    await a.flush();
    const c = await engine.createStream({ sampleRate: 16_000 }, quiet);
    expect(engine.poolStats()).toMatchObject({ live: 2, idle: 0 });
    await Promise.all([b.close(), c.close()]);
    expect(engine.poolStats()).toMatchObject({ live: 0, idle: 2 });
  }, 60_000);

  it('close mid-utterance gives the decoder back, and the next stream on it starts clean', async () => {
    const speech = await spoken(['call my mother tomorrow morning'], 'rms');
    const engine = engineWith({ maxStreams: 1, warmDecoders: 1, lanes: 1 });
    const fresh = await transcribe(engineWith({ maxStreams: 1, warmDecoders: 1, lanes: 1 }), speech);
    let stream: SpeechStream | undefined = await engine.createStream({ sampleRate: 16_000 }, quiet);
    // Half the sentence, then the client is gone: the decoder is mid-utterance.
    stream.write(speech.subarray(0, Math.floor(speech.length / 4) * 2));
    await stream.close();
    stream = undefined;
    expect(engine.poolStats()).toMatchObject({ live: 0, idle: 1 });
    expect(await transcribe(engine, speech)).toEqual(fresh);
  }, 60_000);

  it('engine close frees idle and live decoders', async () => {
    const engine = engineWith({ maxStreams: 3, warmDecoders: 2, lanes: 2 });
    await engine.whenWarm();
    const live = await engine.createStream({ sampleRate: 16_000 }, quiet);
    expect(engine.poolStats()).toMatchObject({ live: 1, idle: 1, lanes: 2 });
    await engine.close();
    expect(engine.poolStats()).toMatchObject({ live: 0, idle: 0 });
    await live.close();
    await engine.close();
    await expect(engine.createStream({ sampleRate: 16_000 }, quiet)).rejects.toMatchObject({
      code: 'ENGINE_CLOSED',
    });
  }, 60_000);
});
