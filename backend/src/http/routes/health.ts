/**
 * @module health routes — `GET /healthz`: liveness (always 200 while the process serves requests) plus the
 * readiness of the database and each speech engine, so a missing model shows up here, not as a crash loop.
 */
import { Hono } from 'hono';
import type { TranscriptRepository } from '../../db/transcript-repository';
import type { EngineRegistry } from '../../speech';

export interface HealthOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  readonly activeSessions: () => number;
  readonly startedAt: number;
}

export function healthRoutes(options: HealthOptions) {
  return new Hono().get('/', async (c) => {
    let database: { ok: boolean; message?: string } = { ok: true };
    try {
      await options.repository.ping();
    } catch {
      database = { ok: false, message: 'the database does not answer' };
    }
    const engines = options.engines.list().map((engine) => {
      const status = engine.status();
      return {
        name: engine.name,
        default: engine === options.engines.defaultEngine,
        languages: engine.languages,
        ...status,
      };
    });
    const ready = database.ok && options.engines.defaultEngine.status().ready;
    c.header('Cache-Control', 'no-store');
    return c.json({
      status: 'ok',
      ready,
      uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
      activeSessions: options.activeSessions(),
      database,
      engines,
    });
  });
}
