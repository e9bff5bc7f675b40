/**
 * @module http — response bodies of the HTTP API (`/api/*`), defined once for backend and frontend.
 */
import type { TranscriptRecord, VoiceError } from './contract';

/** Every HTTP error: `{ error: { code, message } }` — never a stack trace. */
export interface ApiErrorBody {
  readonly error: VoiceError;
}

/** `GET /api/history`: one page of the caller's records, newest first. */
export interface HistoryPage {
  readonly records: readonly TranscriptRecord[];
  /** Pass as `before` to get the next (older) page; null at the end. */
  readonly nextCursor: string | null;
}

/** Counts over a set of records. */
export interface UsageSummary {
  readonly records: number;
  readonly audioSeconds: number;
  /** Null when there are no records. */
  readonly averageLatencyMs: number | null;
}

/** `GET /api/stats`: the caller's usage. */
export interface StatsResponse {
  readonly totals: UsageSummary;
  readonly byEngine: readonly (UsageSummary & { readonly engine: string })[];
  /**
   * Days (`YYYY-MM-DD`) with records, newest first, within the last `days` days — local days of
   * `timeZone` (the request's `tz`, UTC without it).
   */
  readonly byDay: readonly (UsageSummary & { readonly day: string })[];
  readonly days: number;
  /** The zone the days are in: an IANA name (`Asia/Shanghai`), `UTC`, or a fixed offset (`UTC+08:00`). */
  readonly timeZone: string;
}
