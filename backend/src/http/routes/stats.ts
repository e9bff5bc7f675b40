/**
 * @module stats routes — `GET /api/stats?days=`: the caller's totals, per engine and per UTC day.
 */
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { ServiceError } from '../../services/errors';
import type { StatsService } from '../../services/stats';
import type { AppEnv } from '../env';

export function statsRoutes(stats: StatsService) {
  return new Hono<AppEnv>().get(
    '/',
    validator('query', (query) => {
      const { days } = query;
      if (days !== undefined && (typeof days !== 'string' || !/^\d{1,4}$/.test(days))) {
        throw new ServiceError('BAD_DAYS', 'days must be a whole number from 1 to 366');
      }
      return { days: days === undefined ? undefined : Number(days) };
    }),
    async (c) => {
      const { days } = c.req.valid('query');
      return c.json(await stats.forUser(c.get('identity').userId, days === undefined ? {} : { days }));
    },
  );
}
