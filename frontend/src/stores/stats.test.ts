import { beforeEach, describe, expect, it } from 'vitest';
import { FakeHttp } from '../../test/support/fake-http';
import { record } from '../../test/support/records';
import { installTestStores } from '../../test/support/test-app';
import { readConfig } from '../config';
import { useStatsStore } from './stats';

let http: FakeHttp;

beforeEach(() => {
  http = new FakeHttp();
  installTestStores(http.client, readConfig({ VITE_AUTH_TOKEN: 'tkn' }));
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
