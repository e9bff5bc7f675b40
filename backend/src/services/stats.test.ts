import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../db/sqlite/client';
import { createSqliteTranscriptRepository } from '../db/sqlite/transcript-repository';
import { createStatsService } from './stats';

const NOW = Date.parse('2026-11-26T12:00:00Z');
let database: DatabaseHandle | undefined;

afterEach(() => {
  database?.close();
  database = undefined;
});

function record(id: string, engine: string): TranscriptRecord {
  return {
    id,
    userId: 'ling',
    sessionId: 's1',
    text: '你好',
    language: 'zh-CN',
    engine,
    audioMs: 1500,
    latencyMs: 300,
    createdAt: new Date(NOW - 60_000).toISOString(),
  };
}

describe('stats per engine', () => {
  it('lists every configured engine, zeros for those without records, after the ones with records', async () => {
    database = openDatabase({ path: ':memory:' });
    const repository = createSqliteTranscriptRepository(database.db);
    await repository.insert(record('a', 'tencent'));
    await repository.insert(record('b', 'retired-engine'));
    const stats = createStatsService(repository, () => NOW, {
      engineNames: () => ['pocketsphinx', 'sherpa-onnx', 'tencent'],
    });
    const { byEngine, totals } = await stats.forUser('ling');
    expect(totals.records).toBe(2);
    expect(byEngine.map((row) => [row.engine, row.records])).toEqual(
      expect.arrayContaining([
        ['tencent', 1],
        ['retired-engine', 1],
        ['pocketsphinx', 0],
        ['sherpa-onnx', 0],
      ]),
    );
    expect(byEngine).toHaveLength(4);
    expect(byEngine.find((row) => row.engine === 'sherpa-onnx')).toEqual({
      engine: 'sherpa-onnx',
      records: 0,
      audioSeconds: 0,
      averageLatencyMs: null,
    });
    // Engines with records come first, as the repository orders them.
    expect(byEngine.slice(0, 2).every((row) => row.records > 0)).toBe(true);
  });

  it('without engine names reports only engines with records (as before)', async () => {
    database = openDatabase({ path: ':memory:' });
    const repository = createSqliteTranscriptRepository(database.db);
    await repository.insert(record('a', 'tencent'));
    const { byEngine } = await createStatsService(repository, () => NOW).forUser('ling');
    expect(byEngine.map((row) => row.engine)).toEqual(['tencent']);
  });
});
