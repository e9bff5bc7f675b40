// @vitest-environment jsdom
/**
 * StatsPanel as the page binds it to the stats store.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as vue from 'vue';
import { FakeHttp } from '../../test/support/fake-http';
import { loadComponent, mount, unmountAll } from '../../test/support/mount-component';
import { record } from '../../test/support/records';
import { installTestStores } from '../../test/support/test-app';
import { strings } from '../locale/strings';
import { useStatsStore } from '../stores/stats';

afterEach(unmountAll);
beforeEach(() => setActivePinia(createPinia()));

describe('stats view', () => {
  it('says so when a refresh fails while older stats are on screen', async () => {
    const http = new FakeHttp();
    http.records = [record()];
    installTestStores(http.client);
    const stats = useStatsStore();
    await stats.refresh();
    const panel = mount(
      loadComponent('StatsPanel'),
      () => ({ stats: stats.stats, loading: stats.loading, error: stats.error }),
      ['refresh'],
    );
    http.failWith = 'network';
    await stats.refresh();
    await vue.nextTick();
    expect(stats.error).toContain(strings.errors.network);
    // Pull to refresh ended, nothing changed: the page must tell why (HistoryList shows it in its footer).
    expect(panel.text()).toContain(strings.errors.network);
  });
});
