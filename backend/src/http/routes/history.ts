/**
 * @module history routes — `GET /api/history?limit=&before=`, `GET /api/history/:id`,
 * `DELETE /api/history/:id`; always the caller's own records.
 */
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { ServiceError } from '../../services/errors';
import type { HistoryService } from '../../services/history';
import type { AppEnv } from '../env';

export function historyRoutes(history: HistoryService) {
  return new Hono<AppEnv>()
    .get(
      '/',
      validator('query', (query) => {
        const { limit, before } = query;
        if (before !== undefined && typeof before !== 'string') {
          throw new ServiceError('BAD_CURSOR', 'before must appear once');
        }
        // The service checks limit (historyLimit); a repeated one reaches it as its values joined, no number.
        return { limit: Array.isArray(limit) ? limit.join(',') : limit, before };
      }),
      async (c) => {
        const { limit, before } = c.req.valid('query');
        const page = await history.list(c.get('identity').userId, {
          ...(limit === undefined ? {} : { limit }),
          ...(before === undefined || before === '' ? {} : { before }),
        });
        return c.json(page);
      },
    )
    .get('/:id', async (c) => c.json(await history.get(c.get('identity').userId, c.req.param('id'))))
    .delete('/:id', async (c) => {
      await history.delete(c.get('identity').userId, c.req.param('id'));
      return c.body(null, 204);
    });
}
