/**
 * @module api/voice-api — the backend's HTTP API as one object: built once in `main.ts` from the
 * platform's HTTP client and the token, provided on the app, injected by the stores that need it.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import type { InjectionKey } from 'vue';
import { injectStrict } from '../utils/inject';
import { type ApiClientOptions, createApiRequest } from './client';
import { deleteRecord, fetchHistory, fetchRecord, type HistoryPage } from './history';
import { recognizeRecording } from './recognize';
import { fetchStats, type Stats } from './stats';

/** `GET/DELETE /api/history…`, `GET /api/stats`, `POST /api/recognize`. Every call rejects with `ApiError`. */
export interface VoiceApi {
  fetchHistory(options: { limit: number; before?: string }): Promise<HistoryPage>;
  fetchRecord(id: string): Promise<TranscriptRecord>;
  deleteRecord(id: string): Promise<void>;
  fetchStats(days?: number): Promise<Stats>;
  /** Recognition of a whole recording (platforms whose recorder yields no frames). */
  recognizeRecording(bytes: ArrayBuffer, format: string): Promise<readonly TranscriptRecord[]>;
}

export function createVoiceApi(options: ApiClientOptions): VoiceApi {
  const request = createApiRequest(options);
  return {
    fetchHistory: (query) => fetchHistory(request, query),
    fetchRecord: (id) => fetchRecord(request, id),
    deleteRecord: (id) => deleteRecord(request, id),
    fetchStats: (days) => fetchStats(request, days),
    recognizeRecording: (bytes, format) => recognizeRecording(request, bytes, format),
  };
}

export const VOICE_API_KEY: InjectionKey<VoiceApi> = Symbol('VoiceApi');

/** The app's {@link VoiceApi} (in a setup store or a component's setup). */
export function useVoiceApi(): VoiceApi {
  return injectStrict(VOICE_API_KEY);
}
