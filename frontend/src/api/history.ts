/**
 * @module api/history — `GET /api/history`, `GET/DELETE /api/history/:id`.
 */
import type { HistoryPage, TranscriptRecord } from '@realtime-voice/shared/voice';
import { apiRequest } from './client';

export type { HistoryPage };

export async function fetchHistory(options: { limit: number; before?: string }): Promise<HistoryPage> {
  const data = await apiRequest({
    method: 'GET',
    path: '/api/history',
    query: { limit: options.limit, before: options.before },
  });
  const page = data as Partial<HistoryPage> | null;
  return {
    records: Array.isArray(page?.records) ? page.records : [],
    nextCursor: typeof page?.nextCursor === 'string' ? page.nextCursor : null,
  };
}

export async function fetchRecord(id: string): Promise<TranscriptRecord> {
  return (await apiRequest({
    method: 'GET',
    path: `/api/history/${encodeURIComponent(id)}`,
  })) as TranscriptRecord;
}

export async function deleteRecord(id: string): Promise<void> {
  await apiRequest({ method: 'DELETE', path: `/api/history/${encodeURIComponent(id)}` });
}
