/**
 * @module stats routes — `GET /api/stats?days=&tz=`: the caller's totals, per engine and per day in the
 * caller's time zone (`tz`: an IANA name or minutes east of UTC; UTC when absent).
 */
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { ServiceError } from '../../services/errors';
import type { StatsService } from '../../services/stats';
import { parseTimeZone } from '../../services/time-zone';
import type { AppEnv } from '../env';

export function statsRoutes(stats: StatsService) {
  return new Hono<AppEnv>().get(
    '/',
    validator('query', (query) => {
      const { days, tz } = query;
      if (days !== undefined && (typeof days !== 'string' || !/^\d{1,4}$/.test(days))) {
        throw new ServiceError('BAD_DAYS', 'days must be a whole number from 1 to 366');
      }
      if (tz !== undefined && typeof tz !== 'string') {
        throw new ServiceError('BAD_TZ', 'tz must be given once');
      }
      return {
        ...(days === undefined ? {} : { days: Number(days) }),
        ...(tz === undefined ? {} : { timeZone: parseTimeZone(tz) }),
      };
    }),
    async (c) => {
      return c.json(await stats.forUser(c.get('identity').userId, c.req.valid('query')));
    },
  );
}
