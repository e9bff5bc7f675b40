/**
 * @module api — the backend's HTTP API, over whatever HTTP the platform has.
 */
export { ApiError, apiRequest, configureApi } from './client';
export { deleteRecord, fetchHistory, fetchRecord, type HistoryPage } from './history';
export { recognizeRecording } from './recognize';
export { fetchStats, type Stats, type UsageSummary } from './stats';
