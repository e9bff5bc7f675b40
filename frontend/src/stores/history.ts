/**
 * @module stores/history — the user's stored transcripts, paged newest first.
 *
 * New records arrive from `history:new` (any of the user's devices) and are merged by id, so paging and
 * live arrivals never show a record twice.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { deleteRecord, fetchHistory } from '../api';
import { config } from '../config';
import { describeError } from './errors';

export const useHistoryStore = defineStore('history', () => {
  const records = ref<TranscriptRecord[]>([]);
  const nextCursor = ref<string | null>(null);
  /** True once the first page arrived (distinguishes "empty" from "not loaded yet"). */
  const loaded = ref(false);
  const loading = ref(false);
  const refreshing = ref(false);
  const error = ref<string | undefined>(undefined);
  const pageSize = ref(config.historyPageSize);

  const hasMore = computed(() => nextCursor.value !== null);
  const empty = computed(() => loaded.value && records.value.length === 0);

  /** Bumped by refresh so a slow older page cannot land after a newer refresh. */
  let generation = 0;
  /** Records announced / deleted while a refresh is in flight (its page predates them). */
  const arrived = new Map<string, TranscriptRecord>();
  const removed = new Set<string>();

  /** Reloads the first page (pull to refresh). */
  async function refresh(): Promise<void> {
    const gen = ++generation;
    arrived.clear();
    removed.clear();
    refreshing.value = true;
    loading.value = true;
    error.value = undefined;
    try {
      const page = await fetchHistory({ limit: pageSize.value });
      if (gen !== generation) return;
      const ids = new Set(page.records.map((r) => r.id));
      records.value = [
        ...[...arrived.values()].filter((r) => !ids.has(r.id) && !removed.has(r.id)),
        ...page.records.filter((r) => !removed.has(r.id)),
      ].sort(newestFirst);
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } catch (err) {
      if (gen === generation) error.value = describeError(err);
    } finally {
      if (gen === generation) {
        refreshing.value = false;
        loading.value = false;
      }
    }
  }

  /** Appends the next older page. */
  async function loadMore(): Promise<void> {
    if (loading.value || nextCursor.value === null) return;
    const gen = generation;
    loading.value = true;
    error.value = undefined;
    try {
      const page = await fetchHistory({ limit: pageSize.value, before: nextCursor.value });
      if (gen !== generation) return;
      const known = new Set(records.value.map((r) => r.id));
      records.value = [...records.value, ...page.records.filter((r) => !known.has(r.id))];
      nextCursor.value = page.nextCursor;
    } catch (err) {
      if (gen === generation) error.value = describeError(err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** Deletes one record on the server, then locally. Returns false (and sets `error`) on failure. */
  async function remove(id: string): Promise<boolean> {
    try {
      await deleteRecord(id);
    } catch (err) {
      error.value = describeError(err);
      return false;
    }
    records.value = records.value.filter((r) => r.id !== id);
    removed.add(id);
    arrived.delete(id);
    return true;
  }

  /** Merges a record announced by the server (newest first). */
  function upsert(record: TranscriptRecord): void {
    arrived.set(record.id, record);
    const rest = records.value.filter((r) => r.id !== record.id);
    records.value = [record, ...rest].sort(newestFirst);
    if (!loaded.value) loaded.value = true;
  }

  return {
    records,
    nextCursor,
    loaded,
    loading,
    refreshing,
    error,
    pageSize,
    hasMore,
    empty,
    refresh,
    loadMore,
    remove,
    upsert,
  };
});

/** Sort order of the history: newest first (ISO timestamps compare as strings). */
function newestFirst(a: TranscriptRecord, b: TranscriptRecord): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}
