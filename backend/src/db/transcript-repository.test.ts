import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, findMigrationsFolder, openDatabase } from './client';
import { createSqliteTranscriptRepository } from './transcript-repository';

let handle: DatabaseHandle | undefined;
afterEach(() => handle?.close());

function repository() {
  handle = openDatabase({ path: ':memory:' });
  return createSqliteTranscriptRepository(handle.db);
}

const at = (ms: number) => new Date(ms).toISOString();
const record = (id: string, userId: string, createdAt: number): TranscriptRecord => ({
  id,
  userId,
  sessionId: 's',
  text: id,
  language: 'en-US',
  engine: 'e',
  audioMs: 1000,
  latencyMs: 10,
  createdAt: at(createdAt),
});

describe('SQLite transcript repository', () => {
  it('migrates a fresh database with WAL-ready pragmas and the committed migrations', () => {
    repository();
    expect(findMigrationsFolder()).toMatch(/backend\/drizzle$/);
    expect(handle?.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    const indexes = handle?.sqlite.prepare("select name from sqlite_master where type = 'index'").all();
    expect(indexes).toContainEqual({ name: 'transcripts_user_created_idx' });
  });

  it('round-trips records and pages with ties on createdAt', async () => {
    const repo = repository();
    for (const r of [
      record('a', 'u', 1000),
      record('b', 'u', 2000),
      record('c', 'u', 2000),
      record('z', 'v', 3000),
    ]) {
      await repo.insert(r);
    }
    const first = await repo.list('u', { limit: 2 });
    expect(first.records.map((r) => r.id)).toEqual(['c', 'b']);
    expect(first.next).toEqual({ createdAt: 2000, id: 'b' });
    const second = await repo.list('u', { limit: 2, ...(first.next ? { before: first.next } : {}) });
    expect(second.records.map((r) => r.id)).toEqual(['a']);
    expect(second.next).toBeNull();
    expect(await repo.get('u', 'a')).toEqual(record('a', 'u', 1000));
    expect(await repo.get('v', 'a')).toBeUndefined();
    expect(await repo.delete('v', 'a')).toBe(false);
    expect(await repo.delete('u', 'a')).toBe(true);
    await expect(repo.insert(record('b', 'u', 5))).rejects.toThrow(/UNIQUE/);
  });
});
