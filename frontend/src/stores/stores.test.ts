import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeHttp } from '../../test/support/fake-http';
import { record } from '../../test/support/records';
import { configureApi } from '../api';
import { useConnectionStore } from './connection';
import { useHistoryStore } from './history';
import { useStatsStore } from './stats';
import { useTranscriptStore } from './transcript';

let http: FakeHttp;

beforeEach(() => {
  setActivePinia(createPinia());
  http = new FakeHttp();
  configureApi({ http: http.client, token: 'tkn' });
});

describe('history store', () => {
  it('pages newest first, with loading and loaded states', async () => {
    http.records = Array.from({ length: 5 }, () => record());
    const history = useHistoryStore();
    history.pageSize = 2;
    expect(history.loaded).toBe(false);
    const refreshing = history.refresh();
    expect(history.loading).toBe(true);
    await refreshing;
    expect(history.loading).toBe(false);
    const newestFirst = [...http.records]
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .map((r) => r.id);
    expect(history.records.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect(history.hasMore).toBe(true);
    await history.loadMore();
    await history.loadMore();
    expect(history.records.map((r) => r.id)).toEqual(newestFirst);
    expect(history.hasMore).toBe(false);
    // The bearer token rides along.
    expect(http.requests[0]?.headers?.authorization).toBe('Bearer tkn');
  });

  it('is empty (not loading) when there is nothing', async () => {
    const history = useHistoryStore();
    await history.refresh();
    expect(history.empty).toBe(true);
  });

  it('keeps the server message on failure', async () => {
    http.failWith = { status: 401, data: { error: { code: 'UNAUTHENTICATED', message: '需要登录' } } };
    const history = useHistoryStore();
    await history.refresh();
    expect(history.error).toBe('需要登录');
    expect(history.loaded).toBe(false);
    http.failWith = 'network';
    await history.refresh();
    expect(history.error).toContain('网络请求失败');
  });

  it('deletes on the server, then locally; a failed delete keeps the record', async () => {
    http.records = [record(), record()];
    const history = useHistoryStore();
    await history.refresh();
    const [first, second] = history.records;
    expect(await history.remove(first!.id)).toBe(true);
    expect(history.records.map((r) => r.id)).toEqual([second!.id]);
    http.records = [];
    expect(await history.remove(second!.id)).toBe(false);
    expect(history.records).toHaveLength(1);
    expect(history.error).toContain('no record');
  });

  it('merges announced records by id, newest first', () => {
    const history = useHistoryStore();
    const older = record();
    const newer = record();
    history.upsert(newer);
    history.upsert(older);
    history.upsert(newer);
    expect(history.records.map((r) => r.id)).toEqual([newer.id, older.id]);
  });
});

describe('stats store', () => {
  it('loads totals and reports empty', async () => {
    const stats = useStatsStore();
    await stats.refresh();
    expect(stats.empty).toBe(true);
    http.records = [record({ audioMs: 1500 })];
    await stats.refresh();
    expect(stats.stats?.totals.records).toBe(1);
    expect(stats.stats?.totals.audioSeconds).toBe(1.5);
    expect(stats.empty).toBe(false);
    // Per-day stats are asked for in the device's zone, the one the history's times are shown in.
    expect(http.requests.at(-1)?.query?.tz).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('keeps the last stats and shows the error on failure', async () => {
    const stats = useStatsStore();
    await stats.refresh();
    http.failWith = { status: 500, data: 'oops' };
    await stats.refresh();
    expect(stats.error).toBe('服务器错误（500）');
    expect(stats.stats).toBeDefined();
  });
});

describe('connection store', () => {
  it('labels each status with its reason', () => {
    const connection = useConnectionStore();
    const base = {
      attempt: 0,
      socketId: undefined,
      offlineReason: undefined,
      errorMessage: undefined,
    } as const;
    connection.update({ ...base, status: 'connecting' });
    expect(connection.label).toBe('正在连接服务器…');
    connection.update({ ...base, status: 'reconnecting', attempt: 3, errorMessage: 'connection refused' });
    expect(connection.label).toContain('第 3 次');
    expect(connection.reason).toBe('connection refused');
    // Known client error codes read in the UI language.
    connection.update({
      ...base,
      status: 'reconnecting',
      attempt: 1,
      errorMessage: 'WebSocket error',
      errorCode: 'TRANSPORT_ERROR',
    });
    expect(connection.reason).toBe('无法连接服务器');
    connection.update({ ...base, status: 'refused', errorMessage: 'unauthorized' });
    expect(connection.label).toBe('服务器拒绝连接');
    expect(connection.reason).toBe('unauthorized');
    connection.update({ ...base, status: 'offline', offlineReason: 'network' });
    expect(connection.reason).toContain('网络已断开');
    connection.update({ ...base, status: 'connected', socketId: 'abc' });
    expect(connection.connected).toBe(true);
    expect(connection.reason).toBe('');
  });
});

describe('transcript store', () => {
  it('shows partials of the current session only and results once', () => {
    const transcript = useTranscriptStore();
    transcript.beginSession('s1');
    transcript.setPartial('s1', 'he');
    transcript.setPartial('s2', 'other');
    expect(transcript.partial).toBe('he');
    const r = record({ sessionId: 's1' });
    transcript.addResult(r);
    transcript.addResult(r);
    expect(transcript.results).toHaveLength(1);
    expect(transcript.partial).toBe('');
  });
});
