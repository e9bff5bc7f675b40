/**
 * @module stores/stats — usage statistics from `GET /api/stats`.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { type Stats, useVoiceApi } from '../api';
import { describeError } from './errors';

export const useStatsStore = defineStore('stats', () => {
  const api = useVoiceApi();
  const stats = shallowRef<Stats | undefined>(undefined);
  const loading = ref(false);
  const error = ref<string | undefined>(undefined);

  const empty = computed(() => stats.value !== undefined && stats.value.totals.records === 0);

  let generation = 0;
  async function refresh(): Promise<void> {
    const gen = ++generation;
    loading.value = true;
    error.value = undefined;
    try {
      const result = await api.fetchStats();
      if (gen === generation) stats.value = result;
    } catch (err) {
      if (gen === generation) error.value = describeError(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  return { stats, loading, error, empty, refresh };
});
