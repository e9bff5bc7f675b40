/**
 * @module transcript-repository — the only data access of the app: the `TranscriptRepository` interface
 * services depend on, the row → record mapping, and the query pieces both dialects build alike. The
 * implementations sit beside it, one folder per dialect (`sqlite/`, `mysql/`: client, schema, repository),
 * so services never know which database they got. Every method is async because MySQL is, even though
 * SQLite is not.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { and, type Column, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import type { TranscriptRow } from './sqlite/schema';

/** A position in a user's history: records strictly older than this one come next. */
export interface HistoryCursor {
  readonly createdAt: number;
  readonly id: string;
}

export interface HistoryPage {
  readonly records: readonly TranscriptRecord[];
  /** Pass back to get the next (older) page; null at the end. */
  readonly next: HistoryCursor | null;
}

export interface UsageTotals {
  readonly records: number;
  readonly audioMs: number;
  /** Null when there are no records. */
  readonly averageLatencyMs: number | null;
}

export interface UsageStats {
  readonly totals: UsageTotals;
  readonly byEngine: readonly (UsageTotals & { readonly engine: string })[];
  /**
   * Local days (`YYYY-MM-DD`, in the zone the `offsets` describe; UTC without them) since `since`, newest
   * first; days without records are absent.
   */
  readonly byDay: readonly (UsageTotals & { readonly day: string })[];
}

/** A UTC offset in force from `from` (ms since the epoch) until the next span's `from`. */
export interface OffsetSpan {
  readonly from: number;
  /** Milliseconds east of UTC. */
  readonly offsetMs: number;
}

export interface UsageStatsOptions {
  /** Per-day rows count records created at or after this instant. */
  readonly since: number;
  /** The caller's time zone as the offsets in force over the window (see `services/time-zone.ts`). */
  readonly offsets?: readonly OffsetSpan[];
}

export interface TranscriptRepository {
  insert(record: TranscriptRecord): Promise<void>;
  /** Newest first. */
  list(
    userId: string,
    options: { readonly limit: number; readonly before?: HistoryCursor },
  ): Promise<HistoryPage>;
  get(userId: string, id: string): Promise<TranscriptRecord | undefined>;
  /** Deletes one of the user's records; false when it does not exist or belongs to someone else. */
  delete(userId: string, id: string): Promise<boolean>;
  stats(userId: string, options: UsageStatsOptions): Promise<UsageStats>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
}

// Shared by both dialects: their tables have the same columns and their rows the same shape.

/** The columns the shared query pieces read (each dialect's `transcripts` table has them). */
export interface TranscriptColumns {
  readonly id: Column;
  readonly userId: Column;
  readonly audioMs: Column;
  readonly latencyMs: Column;
  readonly createdAt: Column;
}

/** Count, audio and average latency of the selected rows (AVG is rounded by {@link roundTotals}). */
export function totalsColumns(table: TranscriptColumns) {
  return {
    records: sql<number>`count(*)`.mapWith(Number),
    audioMs: sql<number>`coalesce(sum(${table.audioMs}), 0)`.mapWith(Number),
    averageLatencyMs: sql<number | null>`avg(${table.latencyMs})`,
  };
}

/** The user's rows strictly older than the cursor (all of them without one), for a history page. */
export function pageWhere(
  table: TranscriptColumns,
  userId: string,
  before: HistoryCursor | undefined,
): SQL | undefined {
  const older = before
    ? or(
        lt(table.createdAt, before.createdAt),
        and(eq(table.createdAt, before.createdAt), lt(table.id, before.id)),
      )
    : undefined;
  return and(eq(table.userId, userId), older);
}

/** One record of one user (another user's id finds nothing). */
export function ownRecord(table: TranscriptColumns, userId: string, id: string): SQL | undefined {
  return and(eq(table.userId, userId), eq(table.id, id));
}

/**
 * `column` (ms since the epoch) shifted into local time: `column + CASE WHEN column < t1 THEN o0 … END`.
 * The numbers are integers the server computed, inlined rather than bound so the SELECT and GROUP BY
 * expressions are textually equal (MySQL's ONLY_FULL_GROUP_BY compares them).
 */
export function localTime(column: Column, offsets: readonly OffsetSpan[] = []): SQL {
  const integer = (n: number) => sql.raw(String(Math.trunc(n)));
  const [first, ...rest] = offsets;
  if (!first) return sql`${column}`;
  if (rest.length === 0) return sql`(${column} + ${integer(first.offsetMs)})`;
  const branches = rest.map(
    (span, i) => sql` when ${column} < ${integer(span.from)} then ${integer(offsets[i]?.offsetMs ?? 0)}`,
  );
  const last = rest[rest.length - 1]?.offsetMs ?? 0;
  return sql`(${column} + case${sql.join(branches)} else ${integer(last)} end)`;
}

/** Totals of a user without records. */
export const EMPTY_TOTALS: UsageTotals = { records: 0, audioMs: 0, averageLatencyMs: null };

/** AVG comes back fractional (and from mysql2 as a DECIMAL string): whole milliseconds. */
export function roundTotals<T extends UsageTotals>(row: T): T {
  return {
    ...row,
    averageLatencyMs: row.averageLatencyMs === null ? null : Math.round(Number(row.averageLatencyMs)),
  };
}

/** A page from `limit + 1` newest-first rows: the extra row only says whether another page exists. */
export function pageOf(rows: readonly TranscriptRow[], limit: number): HistoryPage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    records: page.map(toRecord),
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

export function toRecord(row: TranscriptRow): TranscriptRecord {
  return {
    id: row.id,
    userId: row.userId,
    sessionId: row.sessionId,
    text: row.text,
    language: row.language,
    engine: row.engine,
    audioMs: row.audioMs,
    latencyMs: row.latencyMs,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
