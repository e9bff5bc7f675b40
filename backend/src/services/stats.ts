/**
 * @module stats — a user's usage: totals, per engine (every configured engine, zeros included), and per
 * day over a recent window, the days being the caller's local days (UTC unless a time zone is given).
 */
import type { StatsResponse, UsageSummary } from '@realtime-voice/shared/voice';
import type { TranscriptRepository, UsageTotals } from '../db/transcript-repository';
import { ServiceError } from './errors';
import { offsetSpans, startOfLocalDay, type TimeZone, timeZoneLabel, UTC } from './time-zone';

export const STATS_DEFAULT_DAYS = 30;
export const STATS_MAX_DAYS = 366;

export interface StatsService {
  forUser(
    userId: string,
    options?: { readonly days?: number; readonly timeZone?: TimeZone },
  ): Promise<StatsResponse>;
}

export interface StatsOptions {
  /**
   * Names of the engines the server offers: each appears in `byEngine` even without records (zeros), so
   * a client can list every engine it may choose; engines with records but no longer configured stay.
   */
  readonly engineNames?: () => readonly string[];
}

/**
 * @example
 * const stats = createStatsService(repository, Date.now, { engineNames: () => engines.list().map((e) => e.name) });
 * const { totals, byDay } = await stats.forUser(userId, { days: 7, timeZone: parseTimeZone('Asia/Shanghai') });
 */
export function createStatsService(
  repository: TranscriptRepository,
  now: () => number = Date.now,
  options: StatsOptions = {},
): StatsService {
  return {
    async forUser(userId, { days = STATS_DEFAULT_DAYS, timeZone = UTC } = {}) {
      if (!Number.isInteger(days) || days < 1 || days > STATS_MAX_DAYS) {
        throw new ServiceError('BAD_DAYS', `days must be a whole number from 1 to ${STATS_MAX_DAYS}`);
      }
      // The window starts at local midnight `days - 1` days ago, so `days=1` means "today".
      const at = now();
      const since = startOfLocalDay(timeZone, at, days - 1);
      const offsets = offsetSpans(timeZone, since, at);
      const usage = await repository.stats(userId, { since, offsets });
      const byEngine = usage.byEngine.map((row) => ({ engine: row.engine, ...summarize(row) }));
      for (const engine of options.engineNames?.() ?? []) {
        if (!byEngine.some((row) => row.engine === engine)) {
          byEngine.push({ engine, records: 0, audioSeconds: 0, averageLatencyMs: null });
        }
      }
      return {
        totals: summarize(usage.totals),
        byEngine,
        byDay: usage.byDay.map((row) => ({ day: row.day, ...summarize(row) })),
        days,
        timeZone: timeZoneLabel(timeZone),
      };
    },
  };
}

function summarize(totals: UsageTotals): UsageSummary {
  return {
    records: totals.records,
    audioSeconds: Math.round(totals.audioMs / 100) / 10,
    averageLatencyMs: totals.averageLatencyMs,
  };
}
