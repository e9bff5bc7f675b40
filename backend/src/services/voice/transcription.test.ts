/**
 * @module transcription.test — an mp3 run at the service level: the decoded-audio budget holds while audio
 * waits for the resampler, audio inside the budget still reaches the engine, and garbage fails the run.
 * And hooks that throw: logged, never breaking the store order or rejecting `finish()`.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../../test/support/fake-engine';
import { encodeMp3 } from '../../../test/support/mp3';
import { synthesizeSpeech } from '../../../test/support/speech-audio';
import { type DatabaseHandle, openDatabase } from '../../db/sqlite/client';
import { createSqliteTranscriptRepository } from '../../db/sqlite/transcript-repository';
import type { TranscriptRepository } from '../../db/transcript-repository';
import { errorCode } from '../../errors';
import { createLogger } from '../../log';
import type { SpeechEngine } from '../../speech';
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
    const run = await open(engine, { onFailure: (error) => failures.push(error as { code?: string }) });
    run.write(randomBytes(9000));
    // Reported through the hooks' queue (behind anything the engine reported before): by `finish()`.
    expect(await run.finish()).toEqual([]);
    expect(failures).toMatchObject([{ code: 'MP3_INVALID' }]);
    expect(written()).toBe(0);
    expect(openStreams()).toBe(0);
  });
});

/** An engine whose stream delivers `finals` as its flush, one after another, then resolves. */
function scriptedEngine(finals: readonly string[]): { engine: SpeechEngine; closed: () => number } {
  let closed = 0;
  const engine: SpeechEngine = {
    name: 'scripted',
    languages: ['en-US'],
    status: () => ({ ready: true }),
    async createStream(_options, listener) {
      return {
        write: () => undefined,
        async flush() {
          finals.forEach((text, index) => {
            listener.onFinal({ text, startMs: index * 1000, endMs: index * 1000 + 500 });
          });
        },
        async close() {
          closed += 1;
        },
      };
    },
    async close() {},
  };
  return { engine, closed: () => closed };
}

function logCollector() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('Transcription hooks that throw', () => {
  it('logs a throwing onStored and still stores and announces every later record, in order', async () => {
    db = openDatabase({ path: ':memory:' });
    const sqlite = createSqliteTranscriptRepository(db.db);
    // The first insert is the slowest: the order must come from the chain, not from the database.
    let inserts = 0;
    const repository: TranscriptRepository = {
      ...sqlite,
      async insert(record) {
        inserts += 1;
        if (inserts === 1) await new Promise((resolve) => setTimeout(resolve, 20));
        await sqlite.insert(record);
      },
    };
    const { engine, closed } = scriptedEngine(['one', 'two', 'three']);
    const { logger, lines } = logCollector();
    const announced: string[] = [];
    const run = await Transcription.open({
      engine,
      language: 'en-US',
      userId: 'u',
      sessionId: 's',
      repository,
      logger,
      hooks: {
        onStored: (record) => {
          announced.push(record.text);
          if (record.text === 'one') throw new Error('the socket went away');
        },
      },
    });

    const records = await run.finish();
    expect(records.map((record) => record.text)).toEqual(['one', 'two', 'three']);
    expect(announced).toEqual(['one', 'two', 'three']);
    const page = await sqlite.list('u', { limit: 10 });
    expect(page.records.map((record) => record.text).sort()).toEqual(['one', 'three', 'two']);
    expect(lines).toMatchObject([
      {
        level: 'error',
        event: 'transcription.hook_failed',
        sessionId: 's',
        hook: 'onStored',
        recordId: records[0]?.id,
        error: { message: 'the socket went away' },
      },
    ]);
    expect(closed()).toBe(1); // the stream was still released
  });

  it('logs a throwing onFailure after a storage failure; finish() resolves and releases the stream', async () => {
    db = openDatabase({ path: ':memory:' });
    const sqlite = createSqliteTranscriptRepository(db.db);
    const repository: TranscriptRepository = {
      ...sqlite,
      insert: () => Promise.reject(new Error('disk full')),
    };
    const { engine, closed } = scriptedEngine(['one', 'two']);
    const { logger, lines } = logCollector();
    const failures: (string | undefined)[] = [];
    const run = await Transcription.open({
      engine,
      language: 'en-US',
      userId: 'u',
      sessionId: 's',
      repository,
      logger,
      hooks: {
        onFailure: (error) => {
          failures.push(errorCode(error));
          throw new Error('could not tell the client');
        },
      },
    });

    await expect(run.finish()).resolves.toEqual([]);
    expect(failures).toEqual(['STORAGE_FAILED']);
    expect(lines).toMatchObject([
      {
        event: 'transcription.hook_failed',
        hook: 'onFailure',
        error: { message: 'could not tell the client' },
      },
    ]);
    expect(closed()).toBe(1);
  });
});
