/**
 * @module stores/transcript — the live session: phase, the partial line and the final results so far.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

/**
 * - `idle`: nothing running. `starting`: waiting for the session (and the microphone).
 * - `recording`: audio is streaming. `stopping`: waiting for the final results.
 * - `uploading`: file-only platforms, the recording is being recognised.
 */
export type VoicePhase = 'idle' | 'starting' | 'recording' | 'stopping' | 'uploading';

/** Keep the page light: older results are in the history view. */
const MAX_RESULTS = 50;

export const useTranscriptStore = defineStore('transcript', () => {
  const phase = ref<VoicePhase>('idle');
  const sessionId = ref<string | undefined>(undefined);
  const partial = ref('');
  /** Final results, newest first. */
  const results = ref<TranscriptRecord[]>([]);
  const error = ref<string | undefined>(undefined);
  /** Whether live partial text is available on this platform. */
  const live = ref(true);

  const busy = computed(() => phase.value !== 'idle');

  /** Whether the recorder streams live audio (false: record, then upload; no partial text). */
  function setLive(next: boolean): void {
    live.value = next;
  }

  function setPhase(next: VoicePhase): void {
    phase.value = next;
  }
  function beginSession(id: string): void {
    sessionId.value = id;
    partial.value = '';
  }
  function setPartial(id: string, text: string): void {
    if (id === sessionId.value) partial.value = text;
  }
  /** Results the user deleted: the take's `stop` ack, which lists them all, must not bring them back. */
  const dismissed = new Set<string>();

  /** Adds a final result once (the `result` event and the `stop` ack may both carry it). */
  function addResult(record: TranscriptRecord): void {
    if (dismissed.has(record.id) || results.value.some((r) => r.id === record.id)) return;
    results.value = [record, ...results.value].slice(0, MAX_RESULTS);
    if (record.sessionId === sessionId.value) partial.value = '';
  }
  function endSession(): void {
    partial.value = '';
    phase.value = 'idle';
  }
  function fail(message: string): void {
    error.value = message;
  }
  function clearError(): void {
    error.value = undefined;
  }
  function removeResult(id: string): void {
    dismissed.add(id);
    results.value = results.value.filter((r) => r.id !== id);
  }

  return {
    phase,
    sessionId,
    partial,
    results,
    error,
    live,
    busy,
    setLive,
    setPhase,
    beginSession,
    setPartial,
    addResult,
    endSession,
    fail,
    clearError,
    removeResult,
  };
});
