/**
 * @module history — a user's stored transcripts: cursor pages newest first, one record, delete one's own.
 *
 * The cursor is opaque to clients (base64url of `createdAt.id`), so paging stays stable while new records
 * arrive and after the record it points at was deleted.
 */
import type { HistoryPage, TranscriptRecord } from '@realtime-voice/shared/voice';
import type { HistoryCursor, TranscriptRepository } from '../db/transcript-repository';
import { ServiceError } from './errors';

export const HISTORY_DEFAULT_LIMIT = 20;
export const HISTORY_MAX_LIMIT = 100;

export interface HistoryService {
  /** `limit` as a number or as the query's text; either way {@link historyLimit} checks it. */
  list(
    userId: string,
    options: { readonly limit?: number | string; readonly before?: string },
  ): Promise<HistoryPage>;
  /** Throws NOT_FOUND for unknown ids and other users' records alike (existence is not revealed). */
  get(userId: string, id: string): Promise<TranscriptRecord>;
  delete(userId: string, id: string): Promise<void>;
}

/**
 * @example
 * const page = await history.list(userId, { limit: 20 });
 * const older = await history.list(userId, { limit: 20, before: page.nextCursor ?? undefined });
 */
export function createHistoryService(repository: TranscriptRepository): HistoryService {
  return {
    async list(userId, { limit: requested, before }) {
      const limit = historyLimit(requested);
      const cursor = before === undefined ? undefined : decodeCursor(before);
      const page = await repository.list(userId, { limit, ...(cursor ? { before: cursor } : {}) });
      return { records: page.records, nextCursor: page.next ? encodeCursor(page.next) : null };
    },

    async get(userId, id) {
      // Ours are UUIDs: an id with surrounding whitespace is none (MySQL's PAD SPACE would match it).
      if (id.trim() !== id) throw notFound(id);
      const record = await repository.get(userId, id);
      if (!record) throw notFound(id);
      return record;
    },

    async delete(userId, id) {
      if (id.trim() !== id || !(await repository.delete(userId, id))) throw notFound(id);
    },
  };
}

/**
 * The one check of a page size: a whole number from 1 to {@link HISTORY_MAX_LIMIT}, given as a number or
 * as text of digits only (`1e1`, `0x10`, ` 5` are refused, not converted); absent → the default.
 * Anything else → 400 `BAD_LIMIT`.
 */
export function historyLimit(value: number | string | undefined): number {
  if (value === undefined) return HISTORY_DEFAULT_LIMIT;
  const limit = typeof value === 'number' ? value : /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) {
    throw new ServiceError('BAD_LIMIT', `limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}`);
  }
  return limit;
}

export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(value: string): HistoryCursor {
  const text =
    value.length <= 256 && /^[\w-]+$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.(.{1,128})$/s.exec(text);
  if (!match) {
    throw new ServiceError('BAD_CURSOR', 'before must be a nextCursor value from a previous page');
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}

function notFound(id: string): ServiceError {
  return new ServiceError('NOT_FOUND', `no record ${JSON.stringify(id.slice(0, 100))} in your history`);
}
