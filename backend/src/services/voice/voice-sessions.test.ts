import type { TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chunks,
  concat,
  createFakeEngine,
  type FakeEngine,
  loud,
  quiet,
} from '../../../test/support/fake-engine';
import { type DatabaseHandle, openDatabase } from '../../db/sqlite/client';
import { createSqliteTranscriptRepository } from '../../db/sqlite/transcript-repository';
import { silentLogger } from '../../log';
import { createEngineRegistry } from '../../speech';
import { createVoiceSessions } from './voice-sessions';

let db: DatabaseHandle | undefined;
afterEach(() => db?.close());

function setup(engine: FakeEngine, limits = { maxDurationMs: 60_000, maxBytes: 10_000_000 }) {
  db = openDatabase({ path: ':memory:' });
  const repository = createSqliteTranscriptRepository(db.db);
  const announced: TranscriptRecord[] = [];
  const sessions = createVoiceSessions({
    engines: createEngineRegistry([engine], engine.name),
    repository,
    limits,
    announce: (record) => announced.push(record),
    logger: silentLogger,
  });
  const errors: VoiceError[] = [];
  const results: TranscriptRecord[] = [];
  const connection = sessions.connect('u')({
    partial: () => {},
    result: ({ record }) => results.push(record),
    sessionError: (error) => errors.push(error),
  });
  return { sessions, connection, errors, results, announced, repository };
}

describe('voice sessions (service level)', () => {
  it('buffers audio that arrives while the engine stream is being created', async () => {
    const { connection, results } = setup(createFakeEngine({ createDelayMs: 50 }));
    const starting = connection.start({});
    for (const chunk of chunks(concat(loud(300), quiet(400)))) connection.audio(chunk);
    expect((await starting).ok).toBe(true);
    const stopped = await connection.stop();
    expect(stopped.ok && stopped.records.map((r) => r.text)).toEqual(['utterance 1']);
    expect(results).toHaveLength(1);
  });

  it('a client vanishing while its session starts leaves nothing open and counts right', async () => {
    const engine = createFakeEngine({ createDelayMs: 50 });
    const { sessions, connection, repository } = setup(engine);
    const starting = connection.start({});
    connection.audio(concat(loud(300), quiet(50)));
    const closing = connection.close();
    await Promise.all([starting, closing]);
    expect(sessions.activeCount).toBe(0);
    expect(engine.openStreams).toBe(0);
    // What it said before vanishing was flushed and stored.
    expect((await repository.list('u', { limit: 5 })).records.map((r) => r.text)).toEqual(['utterance 1']);
    expect(await connection.start({})).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
  });

  it('stop while starting ends the session cleanly', async () => {
    const engine = createFakeEngine({ createDelayMs: 50 });
    const { sessions, connection } = setup(engine);
    const starting = connection.start({});
    const stopped = await connection.stop();
    await starting;
    expect(stopped).toEqual({ ok: true, records: [] });
    expect(sessions.activeCount).toBe(0);
    expect(engine.openStreams).toBe(0);
  });

  it('closeAll waits for sessions already ending (a stop, a vanished client); a repeated close is the same wait', async () => {
    const engine = createFakeEngine();
    const { sessions, connection, repository } = setup(engine);
    const other = sessions.connect('v')({ partial: () => {}, result: () => {}, sessionError: () => {} });
    await connection.start({});
    await other.start({});
    connection.audio(loud(300)); // mid-utterance: the flush recognises it (on later ticks)
    other.audio(loud(300));
    const done: string[] = [];
    void connection.stop().then(() => done.push('stop answered'));
    const vanished = other.close();
    expect(other.close()).toBe(vanished);
    await sessions.closeAll();
    expect(done).toEqual(['stop answered']);
    expect((await repository.list('u', { limit: 5 })).records.map((r) => r.text)).toEqual(['utterance 1']);
    expect((await repository.list('v', { limit: 5 })).records.map((r) => r.text)).toEqual(['utterance 1']);
    expect(sessions.activeCount).toBe(0);
  });

  it('closeAll finishes every session (server shutdown)', async () => {
    const engine = createFakeEngine();
    const { sessions, connection, announced } = setup(engine);
    await connection.start({});
    connection.audio(loud(300));
    await sessions.closeAll();
    expect(announced.map((r) => r.text)).toEqual(['utterance 1']);
    expect(sessions.activeCount).toBe(0);
    expect(engine.openStreams).toBe(0);
  });

  it('closeAll(notice): the cut session is stored, then its client told; idle ones are not; no new sessions', async () => {
    const engine = createFakeEngine();
    const { sessions, connection, repository } = setup(engine);
    const events: string[] = [];
    const idleErrors: VoiceError[] = [];
    const speaking = sessions.connect('v')({
      partial: () => {},
      result: ({ record }) => events.push(`result:${record.text}`),
      sessionError: (error) => events.push(`error:${error.code}:${error.sessionId}`),
    });
    const idle = sessions.connect('w')({
      partial: () => {},
      result: () => {},
      sessionError: (error) => idleErrors.push(error),
    });
    const started = await speaking.start({});
    if (!started.ok) throw new Error('start failed');
    speaking.audio(loud(300)); // mid-utterance: only the flush turns it into a result
    const notice = { code: 'SERVER_RESTARTING', message: 'going away' } as const;
    await sessions.closeAll(notice);

    expect(events).toEqual(['result:utterance 1', `error:SERVER_RESTARTING:${started.sessionId}`]);
    expect((await repository.list('v', { limit: 5 })).records.map((r) => r.text)).toEqual(['utterance 1']);
    expect(idleErrors).toEqual([]);
    expect(sessions.activeCount).toBe(0);
    expect(engine.openStreams).toBe(0);
    // Refused from now on, with the notice's code — also on a connection made after the shutdown began.
    expect(await connection.start({})).toMatchObject({ ok: false, error: notice });
    expect(await idle.start({})).toMatchObject({ ok: false, error: notice });
    const late = sessions.connect('x')({ partial: () => {}, result: () => {}, sessionError: () => {} });
    expect(await late.start({})).toMatchObject({ ok: false, error: notice });
  });
});

describe('voice sessions: a flushing session is live', () => {
  it('counts a session as live until its flush is done, and refuses a new start on its connection meanwhile', async () => {
    const engine = createFakeEngine();
    const { sessions, connection } = setup(engine);
    expect((await connection.start({})).ok).toBe(true);
    connection.audio(concat(loud(300), quiet(400)));
    const stopping = connection.stop();
    expect(sessions.activeCount).toBe(1);
    expect(await connection.start({})).toMatchObject({
      ok: false,
      error: { code: 'SESSION_ACTIVE', message: expect.stringMatching(/still finishing/) },
    });
    expect((await stopping).ok).toBe(true);
    expect(sessions.activeCount).toBe(0);
    expect((await connection.start({})).ok).toBe(true);
    expect(sessions.activeCount).toBe(1);
  });
});
