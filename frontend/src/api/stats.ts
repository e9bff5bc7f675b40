/**
 * @module api/stats — `GET /api/stats`: totals, per engine and per day.
 */
import { apiRequest } from './client';

export interface UsageSummary {
  readonly records: number;
  readonly audioSeconds: number;
  /** Null when there are no records. */
  readonly averageLatencyMs: number | null;
}

export interface Stats {
  readonly totals: UsageSummary;
  readonly byEngine: readonly (UsageSummary & { readonly engine: string })[];
  /** UTC days, newest first. */
  readonly byDay: readonly (UsageSummary & { readonly day: string })[];
  readonly days: number;
}

export async function fetchStats(days?: number): Promise<Stats> {
  const data = (await apiRequest({
    method: 'GET',
    path: '/api/stats',
    query: { days },
  })) as Partial<Stats> | null;
  const empty: UsageSummary = { records: 0, audioSeconds: 0, averageLatencyMs: null };
  return {
    totals: data?.totals ?? empty,
    byEngine: Array.isArray(data?.byEngine) ? data.byEngine : [],
    byDay: Array.isArray(data?.byDay) ? data.byDay : [],
    days: typeof data?.days === 'number' ? data.days : 0,
  };
}
