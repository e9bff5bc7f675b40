/**
 * @module api — the backend's HTTP API, over whatever HTTP the platform has.
 */
export { type ApiClientOptions, ApiError, type ApiRequest, createApiRequest } from './client';
export type { HistoryPage } from './history';
export type { Stats, UsageSummary } from './stats';
export { createVoiceApi, useVoiceApi, VOICE_API_KEY, type VoiceApi } from './voice-api';
