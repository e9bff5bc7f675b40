/**
 * @module api/stats — `GET /api/stats`: totals, per engine and per day.
 */
import type { StatsResponse, UsageSummary } from '@realtime-voice/shared/voice';
import { localTimeZone } from '../utils/time-zone';
import type { ApiRequest } from './client';

/** The response of `GET /api/stats` (the shape is defined once, in shared). */
export type Stats = StatsResponse;
export type { UsageSummary };

/** Days are the device's local days: `timeZone` defaults to its IANA name or UTC offset. */
export async function fetchStats(
  request: ApiRequest,
  days?: number,
  timeZone: string = localTimeZone(),
): Promise<Stats> {
  const data = (await request({
    method: 'GET',
    path: '/api/stats',
    query: { days, tz: timeZone },
  })) as Partial<Stats> | null;
  const empty: UsageSummary = { records: 0, audioSeconds: 0, averageLatencyMs: null };
  return {
    totals: data?.totals ?? empty,
    byEngine: Array.isArray(data?.byEngine) ? data.byEngine : [],
    byDay: Array.isArray(data?.byDay) ? data.byDay : [],
    days: typeof data?.days === 'number' ? data.days : 0,
    timeZone: typeof data?.timeZone === 'string' ? data.timeZone : 'UTC',
  };
}
