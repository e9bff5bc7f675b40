import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeHttp } from '../../test/support/fake-http';
import { until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { installTestStores } from '../../test/support/test-app';
import { readConfig } from '../config';
import type { HttpClient } from '../platform/types';
import { useHistoryStore } from './history';

let http: FakeHttp;

beforeEach(() => {
  http = new FakeHttp();
  installTestStores(http.client, readConfig({ VITE_AUTH_TOKEN: 'tkn' }));
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
describe('history store: races and failures', () => {
  it('a record announced while the history reload is in flight is not wiped by the older page', async () => {
    // The server answers from the state it had when the request arrived (before the new record).
    let release: (() => void) | undefined;
    const stored = [record(), record()];
    const http: HttpClient = async (request) => {
      const snapshot = [...stored];
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (request.path === '/api/history')
        return { status: 200, data: { records: snapshot, nextCursor: null } };
      return { status: 404, data: null };
    };
    installTestStores(http);
    const history = useHistoryStore();
    const refreshing = history.refresh(); // the reload on (re)connect
    await until(() => release !== undefined);
    const fresh: TranscriptRecord = record({ text: 'just said' });
    history.upsert(fresh); // history:new / the take's own result
    release!();
    await refreshing;
    expect(history.records.map((r) => r.id)).toContain(fresh.id);
  });

  it('a Cloud Hosting request failure shows its errMsg, not "[object Object]"', async () => {
    // wx.cloud.callContainer rejects with a plain { errCode, errMsg } object (test/support/wx-emulation.ts),
    // and cloudHttp (platform/mp-weixin.ts) passes that rejection on as it is.
    installTestStores(async () => {
      throw {
        errCode: -501000,
        errMsg: 'cloud.callContainer:fail Error: errCode: -501000 | errMsg: Invalid host',
      };
    });
    const history = useHistoryStore();
    await history.refresh();
    expect(history.error).not.toContain('[object Object]');
    expect(history.error).toContain('Invalid host');
  });
});

describe('history store: deletes during a reload', () => {
  it('a record deleted while the history reload is in flight does not come back', async () => {
    const a = record();
    const b = record();
    let release: (() => void) | undefined;
    installTestStores(async (request) => {
      if (request.method === 'GET') {
        const page = [a, b]; // the server's state when the GET arrived, before the DELETE
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { status: 200, data: { records: page, nextCursor: null } };
      }
      return { status: 204, data: '' };
    });
    const history = useHistoryStore();
    history.upsert(a);
    history.upsert(b);
    const refreshing = history.refresh(); // pull to refresh, or the reload on reconnect
    await until(() => release !== undefined);
    expect(await history.remove(a.id)).toBe(true);
    release!();
    await refreshing;
    // It must not reappear (deleting it again would answer 404 "no record").
    expect(history.records.map((r) => r.id)).toEqual([b.id]);
  });
});
