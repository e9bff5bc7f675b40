/**
 * @module app — the Hono application: one sub-app per resource under `/api`, `/healthz`, and the H5 app
 * at `/`. Socket.IO is not here: it shares the Node HTTP server (see `server.ts`).
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { TranscriptRepository } from '../db/transcript-repository';
import type { Logger } from '../log';
import type { HistoryService } from '../services/history';
import type { IdentityService } from '../services/identity';
import type { StatsService } from '../services/stats';
import type { CapacityReport } from '../services/voice/admission';
import type { FileRecognizer } from '../services/voice/recognize-file';
import type { EngineRegistry } from '../speech';
import type { AppEnv } from './env';
import { createErrorHandler, errorResponse } from './errors';
import { identity } from './middleware/identity';
import { requestLog } from './middleware/request-log';
import { healthRoutes } from './routes/health';
import { historyRoutes } from './routes/history';
import { homeRoutes } from './routes/home';
import { recognizeRoutes } from './routes/recognize';
import { statsRoutes } from './routes/stats';
import { tokenRoutes } from './routes/tokens';

export interface AppDependencies {
  readonly identity: IdentityService;
  readonly history: HistoryService;
  readonly stats: StatsService;
  readonly recognizer: FileRecognizer;
  readonly repository: TranscriptRepository;
  readonly engines: EngineRegistry;
  readonly activeSessions: () => number;
  /** Admission's caps and free slots, reported by `/healthz` (`capacity`). */
  readonly capacity?: () => CapacityReport;
  readonly logger: Logger;
  readonly uploadMaxBytes: number;
  readonly corsOrigins: readonly string[];
  readonly staticDir: string;
  readonly startedAt?: number;
  /** The Redis of the Socket.IO adapter, checked by `/readyz` (several instances). */
  readonly redis?: { ping(): Promise<unknown> } | undefined;
  /** True once the instance is shutting down (`/readyz` answers 503). */
  readonly draining?: () => boolean;
}

/**
 * @example
 * const app = createApp(dependencies);
 * serve({ fetch: app.fetch, port: 3000 });
 */
export function createApp(deps: AppDependencies) {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) => errorResponse(c, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`));
  app.use(requestLog({ logger: deps.logger, quietPaths: ['/healthz', '/readyz'] }));

  if (deps.corsOrigins.length > 0) {
    app.use(
      '/api/*',
      cors({
        origin: deps.corsOrigins.includes('*') ? '*' : [...deps.corsOrigins],
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }

  app.route(
    '/',
    healthRoutes({
      engines: deps.engines,
      repository: deps.repository,
      activeSessions: deps.activeSessions,
      ...(deps.capacity ? { capacity: deps.capacity } : {}),
      startedAt: deps.startedAt ?? Date.now(),
      redis: deps.redis,
      draining: deps.draining ?? (() => false),
    }),
  );

  app.use('/api/*', identity({ service: deps.identity }));
  app.route('/api/history', historyRoutes(deps.history));
  app.route('/api/stats', statsRoutes(deps.stats));
  app.route(
    '/api/recognize',
    recognizeRoutes({ recognizer: deps.recognizer, maxBytes: deps.uploadMaxBytes }),
  );
  app.route('/api/tokens', tokenRoutes(deps.identity));

  app.route('/', homeRoutes(deps.staticDir));
  return app;
}
