/**
 * @module recognize-file.test — uploads at the service level: mp3 goes through the decoding stage, and
 * each way an mp3 upload can be refused has its code and HTTP kind.
 */
import { randomBytes } from 'node:crypto';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../../test/support/fake-engine';
import { encodeMp3 } from '../../../test/support/mp3';
import { synthesizeSpeech } from '../../../test/support/speech-audio';
import { type DatabaseHandle, openDatabase } from '../../db/sqlite/client';
import { createSqliteTranscriptRepository } from '../../db/sqlite/transcript-repository';
import { silentLogger } from '../../log';
import { createEngineRegistry } from '../../speech';
import { ServiceError } from '../errors';
import { createFileRecognizer } from './recognize-file';

let db: DatabaseHandle | undefined;
afterEach(() => db?.close());

function recognizer(maxMp3AudioMs?: number) {
  db = openDatabase({ path: ':memory:' });
  const engine = createFakeEngine();
  const announced: TranscriptRecord[] = [];
  return {
    announced,
    recognizer: createFileRecognizer({
      engines: createEngineRegistry([engine], engine.name),
      repository: createSqliteTranscriptRepository(db.db),
      announce: (record) => announced.push(record),
      logger: silentLogger,
      ...(maxMp3AudioMs === undefined ? {} : { maxMp3AudioMs }),
    }),
  };
}

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error('the upload was accepted');
}

describe('createFileRecognizer with mp3', () => {
  it('decodes a 44.1 kHz mp3 to 16 kHz and recognises it like PCM', async () => {
    const speech = await synthesizeSpeech('what is the weather like today');
    const { recognizer: r, announced } = recognizer();
    const result = await r.recognize({
      userId: 'u',
      bytes: await encodeMp3(speech.pcm, { sampleRate: 44_100 }),
      encoding: 'mp3',
    });
    expect(result.records.map((x) => x.text)).toEqual(['utterance 1']);
    expect(Math.abs(result.audioMs - speech.durationMs)).toBeLessThan(150);
    expect(announced).toHaveLength(1);
  });

  it('refuses what is not mp3 (400 MP3_INVALID), nothing (400 EMPTY_AUDIO) and too long (413 AUDIO_TOO_LONG)', async () => {
    const { recognizer: r, announced } = recognizer(1_000);
    const garbage = await refusal(r.recognize({ userId: 'u', bytes: randomBytes(3000), encoding: 'mp3' }));
    expect(garbage).toMatchObject({ kind: 'invalid', code: 'MP3_INVALID' });
    expect(garbage.message).toMatch(/not an mp3 stream: no MPEG audio frame in 3000 bytes/);
    const empty = await refusal(r.recognize({ userId: 'u', bytes: new Uint8Array(0), encoding: 'mp3' }));
    expect(empty).toMatchObject({ kind: 'invalid', code: 'EMPTY_AUDIO' });
    const speech = await synthesizeSpeech('what is the weather like today');
    const long = await refusal(
      r.recognize({ userId: 'u', bytes: await encodeMp3(speech.pcm), encoding: 'mp3' }),
    );
    expect(long).toMatchObject({ kind: 'too-large', code: 'AUDIO_TOO_LONG' });
    expect(long.message).toMatch(/more than 1 s of audio/);
    expect(announced).toHaveLength(0);
  });
});
