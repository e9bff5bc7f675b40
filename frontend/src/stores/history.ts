/**
 * @module stores/history — the user's stored transcripts, paged newest first.
 *
 * New records arrive from `history:new` (any of the user's devices) and are merged by id, so paging and
 * live arrivals never show a record twice.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useVoiceApi } from '../api';
import { useAppConfig } from '../config';
import { describeError } from './errors';

export const useHistoryStore = defineStore('history', () => {
  const api = useVoiceApi();
  const config = useAppConfig();
  const records = ref<TranscriptRecord[]>([]);
  const nextCursor = ref<string | null>(null);
  /** True once the first page arrived (distinguishes "empty" from "not loaded yet"). */
  const loaded = ref(false);
  const loading = ref(false);
  const refreshing = ref(false);
  const error = ref<string | undefined>(undefined);
  const pageSize = ref(config.historyPageSize);

  const hasMore = computed(() => nextCursor.value !== null);
  /** Nothing stored at all (not merely: the loaded records were deleted while older ones remain). */
  const empty = computed(() => loaded.value && records.value.length === 0 && !hasMore.value);

  /** Bumped by refresh so a slow older page cannot land after a newer refresh. */
  let generation = 0;
  /** Records announced while a refresh is in flight (its page predates them). */
  const arrived = new Map<string, TranscriptRecord>();
  /** Records deleted here: a page loaded before the delete, or a take's `stop` ack, cannot bring them back. */
  const removed = new Set<string>();

  /**
   * Reloads the first page. Pull to refresh replaces the list; `keepLoadedPages` (a reconnection) merges
   * the first page into what is loaded instead, so older pages the user scrolled to stay — unless the
   * first page does not reach them (more new records than a page arrived meanwhile).
   */
  async function refresh(options: { readonly keepLoadedPages?: boolean } = {}): Promise<void> {
    const gen = ++generation;
    arrived.clear();
    refreshing.value = true;
    loading.value = true;
    error.value = undefined;
    try {
      const page = await api.fetchHistory({ limit: pageSize.value });
      if (gen !== generation) return;
      const known = new Set(records.value.map((r) => r.id));
      const reaches = page.nextCursor === null || page.records.some((r) => known.has(r.id));
      const keep = options.keepLoadedPages === true && loaded.value && reaches;
      const merged = new Map<string, TranscriptRecord>();
      for (const record of [...(keep ? records.value : []), ...page.records, ...arrived.values()]) {
        if (!removed.has(record.id)) merged.set(record.id, record);
      }
      records.value = [...merged.values()].sort(newestFirst);
      if (!keep) nextCursor.value = page.nextCursor;
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
      const page = await api.fetchHistory({ limit: pageSize.value, before: nextCursor.value });
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
      await api.deleteRecord(id);
    } catch (err) {
      error.value = describeError(err);
      return false;
    }
    records.value = records.value.filter((r) => r.id !== id);
    removed.add(id);
    arrived.delete(id);
    // Every loaded record is gone but older ones exist: fetch them (a short list never reaches its bottom).
    if (records.value.length === 0 && nextCursor.value !== null) void loadMore();
    return true;
  }

  /** Merges a record announced by the server (newest first). */
  function upsert(record: TranscriptRecord): void {
    if (removed.has(record.id)) return;
    arrived.set(record.id, record);
    const rest = records.value.filter((r) => r.id !== record.id);
    records.value = [record, ...rest].sort(newestFirst);
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
