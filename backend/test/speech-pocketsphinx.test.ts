/**
 * @module speech-pocketsphinx.test — the real pocketsphinx engine on flite speech.
 *
 * Bounds were measured on this machine (2 cores) and given a wide margin, so a loaded CI box still passes
 * while a real regression (wrong audio handling, blocked event loop, lost finals) does not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPocketsphinxEngine,
  type FinalHypothesis,
  type SpeechEngine,
  type SpeechError,
  type SpeechStream,
} from '../src/speech';
import {
  concatWithSilence,
  type FliteVoice,
  speechBounds,
  streamAtRealTime,
  synthesizeSpeech,
  wordErrorRate,
} from './support/speech-audio';

const SENTENCES = [
  'please turn on the kitchen lights',
  'what is the weather like today',
  'call my mother tomorrow morning',
  'play some music in the living room',
  'how many miles is it to the nearest station',
];

interface Recorded {
  readonly partials: Array<{ text: string; at: number }>;
  readonly finals: Array<FinalHypothesis & { at: number }>;
  readonly errors: SpeechError[];
  readonly stream: SpeechStream;
  readonly text: () => string;
}

let engine: SpeechEngine;

async function open(target: SpeechEngine = engine): Promise<Recorded> {
  const partials: Recorded['partials'] = [];
  const finals: Recorded['finals'] = [];
  const errors: SpeechError[] = [];
  const stream = await target.createStream(
    { sampleRate: 16000, language: 'en-US' },
    {
      onPartial: (text) => partials.push({ text, at: performance.now() }),
      onFinal: (final) => finals.push({ ...final, at: performance.now() }),
      onError: (error) => errors.push(error as SpeechError),
    },
  );
  return { partials, finals, errors, stream, text: () => finals.map((f) => f.text).join(' ') };
}

/** Speech for `sentences` with 1.2 s of silence around each: long enough for the detector to end each one. */
async function spoken(sentences: readonly string[], voice: FliteVoice) {
  const parts = await Promise.all(sentences.map((s) => synthesizeSpeech(s, { voice })));
  return concatWithSilence(
    parts.map((p) => p.pcm),
    { leadMs: 300, gapMs: 1200, tailMs: 1200 },
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function writeInChunks(stream: SpeechStream, pcm: Uint8Array, sizes: readonly number[]): void {
  let offset = 0;
  for (let i = 0; offset < pcm.length; i++) {
    const size = sizes[i % sizes.length]!;
    stream.write(pcm.subarray(offset, offset + size));
    offset += size;
  }
}

beforeAll(() => {
  engine = createPocketsphinxEngine();
});

afterAll(async () => {
  await engine?.close();
});

describe('pocketsphinx engine', () => {
  it('is ready on this machine', () => {
    expect(engine.status()).toEqual({ ready: true });
    expect(engine.name).toBe('pocketsphinx');
    expect(engine.languages[0]).toBe('en-US');
  });

  it.each([
    ['rms', 0.25],
    ['slt', 0.3],
  ] as const)(
    'recognises %s speech with a word error rate within %s, one final per sentence',
    async (voice, bound) => {
      const audio = await spoken(SENTENCES, voice);
      const session = await open();
      session.stream.write(audio.pcm);
      await session.stream.flush();
      const wer = wordErrorRate(SENTENCES.join(' '), session.text());
      console.log(`WER ${voice}: ${wer.toFixed(3)} — "${session.text()}"`);
      expect(session.errors).toEqual([]);
      expect(wer).toBeLessThanOrEqual(bound);
      expect(session.finals).toHaveLength(SENTENCES.length);
    },
    60_000,
  );

  it('streams at real time: partials arrive while speaking, before that utterance final', async () => {
    const speech = await synthesizeSpeech('how many miles is it to the nearest station', { voice: 'rms' });
    const audio = concatWithSilence([speech.pcm], { leadMs: 300, tailMs: 1200 });
    const session = await open();
    const timing = await streamAtRealTime(audio.pcm, 100, (chunk) => session.stream.write(chunk));
    const segment = audio.segments[0]!;
    // The final comes from the detector (its hangover of silence), not from flush: wait for it without
    // flushing (a starved machine may still be decoding the tail).
    await waitFor(() => session.finals.length > 0, 10_000);
    const finalBeforeFlush = session.finals.length;
    await session.stream.flush();
    // The chunks that carried the first and the last audible sample.
    const speechStartAt = timing.writtenAt[Math.floor(segment.speechStartMs / 100)]!;
    const speechEndAt = timing.writtenAt[Math.floor(segment.speechEndMs / 100)]!;
    const final = session.finals[0]!;
    const firstPartialMs = session.partials[0]!.at - speechStartAt;
    const finalLatencyMs = final.at - speechEndAt;
    console.log(
      `real time: ${session.partials.length} partials, first ${firstPartialMs.toFixed(0)} ms after speech start, ` +
        `final ${finalLatencyMs.toFixed(0)} ms after speech end; ${JSON.stringify(session.partials.map((p) => p.text))}`,
    );
    expect(finalBeforeFlush).toBe(1);
    expect(session.partials.length).toBeGreaterThanOrEqual(3);
    expect(session.partials.every((p) => p.at < final.at)).toBe(true);
    // Partials only report changes.
    const texts = session.partials.map((p) => p.text);
    expect(texts.every((text, i) => i === 0 || text !== texts[i - 1])).toBe(true);
    expect(firstPartialMs).toBeLessThan(2500);
    // The detector's 500 ms hangover plus decoding; generous because other processes may be starving the
    // decoder threads.
    expect(finalLatencyMs).toBeLessThan(3000);
    expect(wordErrorRate('how many miles is it to the nearest station', final.text)).toBeLessThanOrEqual(0.3);
  }, 30_000);

  it('gives two finals, in order and placed near their speech, for two utterances separated by silence', async () => {
    const audio = await spoken(
      ['please turn on the kitchen lights', 'call my mother tomorrow morning'],
      'rms',
    );
    const session = await open();
    session.stream.write(audio.pcm);
    await session.stream.flush();
    expect(session.finals.map((f) => f.text)).toEqual([
      'please turn on the kitchen lights',
      'call my mother tomorrow morning',
    ]);
    session.finals.forEach((final, i) => {
      const segment = audio.segments[i]!;
      expect(final.startMs).toBeLessThanOrEqual(final.endMs);
      expect(Math.abs(final.startMs - segment.speechStartMs)).toBeLessThan(400);
      expect(Math.abs(final.endMs - segment.speechEndMs)).toBeLessThan(400);
    });
    expect(session.finals[0]!.endMs).toBeLessThan(session.finals[1]!.startMs);
  }, 30_000);

  it('decodes odd-sized chunks exactly like whole samples (the spare byte is carried)', async () => {
    const audio = await spoken(
      ['please turn on the kitchen lights', 'play some music in the living room'],
      'rms',
    );
    const whole = await open();
    writeInChunks(whole.stream, audio.pcm, [3200]);
    const odd = await open();
    writeInChunks(odd.stream, audio.pcm, [1, 333, 4097, 7, 1999, 3]);
    await Promise.all([whole.stream.flush(), odd.stream.flush()]);
    expect(whole.finals).toHaveLength(2);
    expect(odd.text()).toBe(whole.text());
    expect(odd.errors).toEqual([]);
  }, 30_000);

  it('copies what it is given: a caller may reuse its buffer right after write()', async () => {
    const audio = await spoken(['please turn on the kitchen lights'], 'rms');
    const session = await open();
    const scratch = Buffer.alloc(3200);
    for (let offset = 0; offset < audio.pcm.length; offset += scratch.length) {
      const n = audio.pcm.copy(scratch, 0, offset);
      session.stream.write(scratch.subarray(0, n));
    }
    scratch.fill(0);
    await session.stream.flush();
    expect(session.text()).toBe('please turn on the kitchen lights');
  }, 30_000);

  it('flush ends the current utterance, delivers its final, and nothing is reported afterwards', async () => {
    const speech = await synthesizeSpeech('what is the weather like today', { voice: 'rms' });
    const session = await open();
    // No trailing silence: only flush can end this utterance.
    session.stream.write(concatWithSilence([speech.pcm], { leadMs: 300, tailMs: 0 }).pcm);
    const flushed = session.stream.flush();
    expect(session.stream.flush()).toBe(flushed);
    await flushed;
    expect(session.finals.map((f) => f.text)).toEqual(['what is the weather like today']);
    const counts = [session.partials.length, session.finals.length];
    // Writes after flush are dropped, never thrown; close after flush is harmless.
    expect(() => session.stream.write(speech.pcm)).not.toThrow();
    await session.stream.flush();
    await session.stream.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([session.partials.length, session.finals.length]).toEqual(counts);
    expect(session.errors).toEqual([]);
  }, 30_000);

  it('flush on silence resolves without a final', async () => {
    const session = await open();
    session.stream.write(Buffer.alloc(32_000));
    await session.stream.flush();
    expect(session.finals).toEqual([]);
    expect(session.errors).toEqual([]);
  }, 30_000);

  it('close mid-utterance stops all callbacks and is idempotent', async () => {
    const speech = await synthesizeSpeech('play some music in the living room', { voice: 'rms' });
    const session = await open();
    session.stream.write(speech.pcm);
    const closing = session.stream.close();
    expect(session.stream.close()).toBe(closing);
    await closing;
    const counts = [session.partials.length, session.finals.length];
    session.stream.write(speech.pcm);
    await session.stream.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([session.partials.length, session.finals.length]).toEqual(counts);
    expect(session.finals).toEqual([]);
  }, 30_000);

  it('serves 4 concurrent streams, each with its own text, without blocking the event loop', async () => {
    const plan = [
      { sentences: SENTENCES.slice(0, 2), voice: 'rms' },
      { sentences: SENTENCES.slice(2, 4), voice: 'slt' },
      { sentences: SENTENCES.slice(3, 5), voice: 'rms' },
      { sentences: [SENTENCES[4]!, SENTENCES[0]!], voice: 'slt' },
    ] as const;
    const audios = await Promise.all(plan.map((p) => spoken(p.sentences, p.voice)));
    const sessions = await Promise.all(plan.map(() => open()));
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const utilization = performance.eventLoopUtilization();
    const started = performance.now();
    // Four real-time sessions at once: a decoder on the main thread would hold the loop ~15 ms per 100 ms
    // chunk and stream (utilization ≥ 0.5, p99 ≥ 60 ms).
    await Promise.all(
      sessions.map((session, i) =>
        streamAtRealTime(audios[i]!.pcm, 100, (chunk) => session.stream.write(chunk), { speed: 1 }),
      ),
    );
    await Promise.all(sessions.map((s) => s.stream.flush()));
    const elu = performance.eventLoopUtilization(utilization).utilization;
    histogram.disable();
    const maxMs = histogram.max / 1e6;
    const p99Ms = histogram.percentile(99) / 1e6;
    console.log(
      `4 streams at real time: ${(performance.now() - started).toFixed(0)} ms for ${(audios[0]!.durationMs / 1000).toFixed(1)} s ` +
        `of audio each; event-loop delay max ${maxMs.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms, utilization ${elu.toFixed(2)}`,
    );
    sessions.forEach((session, i) => {
      const reference = plan[i]!.sentences.join(' ');
      expect(session.errors).toEqual([]);
      expect(session.finals).toHaveLength(2);
      expect(wordErrorRate(reference, session.text())).toBeLessThanOrEqual(0.35);
    });
    // Measured on 2 cores: utilization 0.05–0.10; p99 10–25 ms idle, up to 60 ms and max ~200 ms when other
    // processes kept the load average at 6. Utilization counts only time the loop itself spends running
    // JavaScript, so it is the robust proof; the delay bounds leave room for the OS scheduler.
    expect(elu).toBeLessThan(0.4);
    expect(p99Ms).toBeLessThan(100);
    expect(maxMs).toBeLessThan(400);
  }, 60_000);

  it('keeps the loop free while a long recording is decoded from one write', async () => {
    const audio = await spoken(SENTENCES, 'rms');
    const session = await open();
    let maxGapMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }, 5);
    const utilization = performance.eventLoopUtilization();
    const started = performance.now();
    session.stream.write(audio.pcm);
    await session.stream.flush();
    const decodeMs = performance.now() - started;
    const elu = performance.eventLoopUtilization(utilization).utilization;
    clearInterval(timer);
    console.log(
      `one write of ${(audio.durationMs / 1000).toFixed(1)} s: decoded in ${decodeMs.toFixed(0)} ms, ` +
        `max timer gap ${maxGapMs.toFixed(1)} ms, utilization ${elu.toFixed(2)}`,
    );
    expect(session.finals).toHaveLength(SENTENCES.length);
    // Synchronously this write would hold the loop for the whole decode (seconds).
    expect(maxGapMs).toBeLessThan(Math.min(400, decodeMs / 4));
    expect(elu).toBeLessThan(0.4);
  }, 60_000);

  it('refuses other sample rates and languages with clear codes', async () => {
    const listener = { onPartial() {}, onFinal() {}, onError() {} };
    await expect(engine.createStream({ sampleRate: 8000 }, listener)).rejects.toMatchObject({
      code: 'UNSUPPORTED_SAMPLE_RATE',
    });
    await expect(
      engine.createStream({ sampleRate: 16000, language: 'zh-CN' }, listener),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_LANGUAGE',
    });
  });
});

describe('pocketsphinx engine without its install', () => {
  const listener = { onPartial() {}, onFinal() {}, onError() {} };

  it('reports missing libraries as not ready, naming the Debian packages, and refuses streams', async () => {
    const missing = createPocketsphinxEngine({
      libraries: { pocketsphinx: '/nonexistent/libpocketsphinx.so.3' },
    });
    const status = missing.status();
    expect(status).toMatchObject({ ready: false, code: 'ENGINE_UNAVAILABLE' });
    expect(status.ready ? '' : status.message).toContain(
      'apt-get install libpocketsphinx3 pocketsphinx-en-us',
    );
    await expect(missing.createStream({ sampleRate: 16000 }, listener)).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringContaining('libpocketsphinx3'),
    });
    await missing.close();
  });

  it('reports a missing model directory as not ready, naming the model package', async () => {
    const missing = createPocketsphinxEngine({ modelDir: '/nonexistent/model' });
    const status = missing.status();
    expect(status).toMatchObject({ ready: false, code: 'ENGINE_UNAVAILABLE' });
    expect(status.ready ? '' : status.message).toMatch(/model files are missing .*pocketsphinx-en-us/);
    await expect(missing.createStream({ sampleRate: 16000 }, listener)).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
    });
  });

  it('refuses a stream with ENGINE_FAILED when the model does not load, and stays usable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rv-bad-model-'));
    const languageModel = join(dir, 'broken.lm');
    await writeFile(languageModel, 'this is not a language model\n');
    const broken = createPocketsphinxEngine({ languageModel });
    expect(broken.status()).toEqual({ ready: true }); // files exist; only loading can tell
    await expect(broken.createStream({ sampleRate: 16000 }, listener)).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
    });
    await broken.close();
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('after close: not ready, streams refused, open streams closed', async () => {
    const own = createPocketsphinxEngine();
    const session = await open(own);
    await own.close();
    expect(own.status()).toMatchObject({ ready: false });
    await expect(own.createStream({ sampleRate: 16000 }, listener)).rejects.toMatchObject({
      code: 'ENGINE_CLOSED',
    });
    session.stream.write(Buffer.alloc(3200));
    await session.stream.flush();
    expect(session.errors).toEqual([]);
  }, 30_000);
});

// Found by review, failing before its fix: the end of an utterance cut by `stop`.
describe('pocketsphinx where it used to mislead', () => {
  describe('pocketsphinx: an utterance ended by stop', () => {
    let engine: SpeechEngine;
    beforeAll(() => {
      engine = createPocketsphinxEngine();
    });
    afterAll(async () => {
      await engine?.close();
    });

    it('places the end of the last utterance where its speech ended when stop comes right after the last word', async () => {
      const speech = await synthesizeSpeech('call my mother tomorrow morning', { voice: 'rms' });
      const audible = speechBounds(speech.pcm)!;
      // Press-to-talk released as the last word ends: no trailing silence for the detector's hangover.
      const spoken = speech.pcm.subarray(0, Math.round(audible.endMs * 16) * 2);
      const audio = concatWithSilence([spoken], { leadMs: 300, tailMs: 0 });
      const finals: FinalHypothesis[] = [];
      const stream = await engine.createStream(
        { sampleRate: 16_000, language: 'en-US' },
        { onPartial: () => undefined, onFinal: (final) => finals.push(final), onError: () => undefined },
      );
      stream.write(audio.pcm);
      await stream.flush();
      expect(finals.map((final) => final.text)).toEqual(['call my mother tomorrow morning']);
      const segment = audio.segments[0]!;
      // Today endMs is the stream position minus the 500 ms hangover the detector never got to see, so the
      // stored record's audioMs (and the stats' audio seconds) lose half a second per stop.
      expect(finals[0]!.endMs).toBeGreaterThanOrEqual(segment.speechEndMs - 150);
      expect(finals[0]!.endMs - finals[0]!.startMs).toBeGreaterThanOrEqual(
        segment.speechEndMs - segment.speechStartMs - 150,
      );
    }, 30_000);
  });
});
