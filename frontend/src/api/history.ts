/**
 * @module api/history — `GET /api/history`, `GET/DELETE /api/history/:id`.
 */
import type { HistoryPage, TranscriptRecord } from '@realtime-voice/shared/voice';
import type { ApiRequest } from './client';

export type { HistoryPage };

export async function fetchHistory(
  request: ApiRequest,
  options: { limit: number; before?: string },
): Promise<HistoryPage> {
  const data = await request({
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

export async function fetchRecord(request: ApiRequest, id: string): Promise<TranscriptRecord> {
  return (await request({
    method: 'GET',
    path: `/api/history/${encodeURIComponent(id)}`,
  })) as TranscriptRecord;
}

export async function deleteRecord(request: ApiRequest, id: string): Promise<void> {
  await request({ method: 'DELETE', path: `/api/history/${encodeURIComponent(id)}` });
}
