/**
 * @module transcription.test — an mp3 run at the service level: the decoded-audio budget holds while audio
 * waits for the resampler, audio inside the budget still reaches the engine, and garbage fails the run.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../test/support/fake-engine';
import { encodeMp3 } from '../../test/support/mp3';
import { synthesizeSpeech } from '../../test/support/speech-audio';
import { type DatabaseHandle, openDatabase } from '../db/client';
import { createSqliteTranscriptRepository } from '../db/transcript-repository';
import type { SpeechEngine } from '../speech';
import { Transcription, type TranscriptionHooks } from './transcription';

let db: DatabaseHandle | undefined;
afterEach(() => db?.close());

/** The fake engine, counting the PCM bytes its streams receive. */
function countingEngine(): { engine: SpeechEngine; written: () => number; open: () => number } {
  const fake = createFakeEngine();
  let written = 0;
  const engine: SpeechEngine = {
    ...fake,
    status: () => fake.status(),
    async createStream(options, listener) {
      const stream = await fake.createStream(options, listener);
      return {
        write: (pcm) => {
          written += pcm.byteLength;
          stream.write(pcm);
        },
        flush: () => stream.flush(),
        close: () => stream.close(),
      };
    },
  };
  return { engine, written: () => written, open: () => fake.openStreams };
}

async function open(engine: SpeechEngine, hooks: TranscriptionHooks) {
  db = openDatabase({ path: ':memory:' });
  return Transcription.open({
    engine,
    language: 'en-US',
    userId: 'u',
    sessionId: 's',
    repository: createSqliteTranscriptRepository(db.db),
    format: 'mp3',
    maxPcmBytes: 32_000, // 1 s of 16 kHz audio
    hooks,
  });
}

describe('Transcription with mp3', () => {
  it('reports LIMIT_BYTES at once when a 44.1 kHz burst decodes past the budget, and feeds exactly the budget', async () => {
    const speech = await synthesizeSpeech('what is the weather like today');
    const mp3 = await encodeMp3(speech.pcm, { sampleRate: 44_100 });
    const { engine, written, open: openStreams } = countingEngine();
    const limits: string[] = [];
    const run = await open(engine, { onLimit: (error) => limits.push(error.code) });
    // One write: the resampler is still loading, so nothing has reached the engine yet.
    run.write(mp3);
    expect(limits).toEqual(['LIMIT_BYTES']);
    expect(written()).toBe(0);
    run.write(mp3); // ignored after the limit
    await run.finish();
    // What was decoded inside the budget went in once the resampler was there; nothing beyond it.
    expect(written()).toBe(32_000);
    expect(run.bytes).toBe(32_000);
    expect(run.receivedBytes).toBe(mp3.length);
    expect(openStreams()).toBe(0);
  });

  it('fails the run with MP3_INVALID on garbage and releases the engine stream', async () => {
    const { engine, written, open: openStreams } = countingEngine();
    const failures: { code?: string }[] = [];
    const run = await open(engine, { onFailure: (error) => failures.push(error) });
    run.write(randomBytes(9000));
    expect(failures).toMatchObject([{ code: 'MP3_INVALID' }]);
    expect(await run.finish()).toEqual([]);
    expect(written()).toBe(0);
    expect(openStreams()).toBe(0);
  });
});
