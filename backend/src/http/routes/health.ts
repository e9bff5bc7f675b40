/**
 * @module health routes — liveness and readiness, kept apart because a platform acts on them differently.
 *
 * - `GET /healthz` (liveness): always 200 while the process serves requests, and cheap — no I/O. It lists
 *   each engine with its status, the live session count and `capacity` (the admission caps and free
 *   slots, for an autoscaler and the app), and the database (and Redis) status as of the last
 *   readiness check (or of the start, which migrated it), so a missing model shows up here, not as a crash
 *   loop.
 * - `GET /readyz` (readiness): actually checks what serving needs — a database round trip, Redis (when
 *   several instances share events through it), the default engine — each bounded in time, and turns 503
 *   as soon as the instance starts shutting down, so a load balancer stops sending it new connections.
 *
 * Both live in one sub-app, so the liveness answer can report what the last readiness check found.
 */
import { Hono } from 'hono';
import type { TranscriptRepository } from '../../db/transcript-repository';
import { errorMessage } from '../../errors';
import type { CapacityReport } from '../../services/voice/admission';
import type { EngineRegistry } from '../../speech';
import { withTimeout } from '../../timeout';

export interface HealthOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  readonly activeSessions: () => number;
  /** Caps and free slots (admission): how many more sessions this instance takes. */
  readonly capacity?: () => CapacityReport;
  readonly startedAt: number;
  /** The Redis of the Socket.IO adapter, when events are shared across instances. */
  readonly redis?: { ping(): Promise<unknown> } | undefined;
  /** True once the instance is shutting down. */
  readonly draining: () => boolean;
  /** Bound of each readiness check (default 2 s): a hung database makes the instance unready, not the probe hang. */
  readonly checkTimeoutMs?: number;
}

interface CheckResult {
  readonly ok: boolean;
  readonly ms?: number;
  readonly message?: string;
}

type Checked = CheckResult & { readonly checkedAt?: string };

/**
 * `GET /healthz` and `GET /readyz`, sharing what the last readiness check found.
 *
 * @example
 * app.route('/', healthRoutes({ engines, repository, activeSessions, startedAt: Date.now(), draining }));
 */
export function healthRoutes(options: HealthOptions) {
  const { engines, repository, redis, draining } = options;
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  // The start migrated the database; each readiness check updates these for the liveness answer.
  let lastDatabase: Checked = { ok: true };
  let lastRedis: Checked | undefined;

  return new Hono()
    .get('/healthz', (c) => {
      const list = engines.list().map((engine) => ({
        name: engine.name,
        default: engine === engines.defaultEngine,
        languages: engine.languages,
        ...engine.status(),
      }));
      const isDraining = draining();
      const ready =
        lastDatabase.ok && (lastRedis?.ok ?? true) && engines.defaultEngine.status().ready && !isDraining;
      c.header('Cache-Control', 'no-store');
      return c.json({
        status: 'ok',
        ready,
        draining: isDraining,
        uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
        activeSessions: options.activeSessions(),
        ...(options.capacity ? { capacity: options.capacity() } : {}),
        database: lastDatabase,
        ...(lastRedis ? { redis: lastRedis } : {}),
        engines: list,
      });
    })
    .get('/readyz', async (c) => {
      const [database, redisCheck] = await Promise.all([
        timed(() => repository.ping(), timeoutMs, 'the database does not answer'),
        redis ? timed(() => redis.ping(), timeoutMs, 'Redis does not answer') : undefined,
      ]);
      const checkedAt = new Date().toISOString();
      lastDatabase = { ...database, checkedAt };
      if (redisCheck) lastRedis = { ...redisCheck, checkedAt };
      const engine = engines.defaultEngine;
      const engineStatus = engine.status();
      const isDraining = draining();
      const ready = database.ok && (redisCheck?.ok ?? true) && engineStatus.ready && !isDraining;
      c.header('Cache-Control', 'no-store');
      return c.json(
        {
          ready,
          draining: isDraining,
          checks: {
            database,
            ...(redisCheck ? { redis: redisCheck } : {}),
            engine: { name: engine.name, ...engineStatus, ok: engineStatus.ready },
          },
        },
        ready ? 200 : 503,
      );
    });
}

async function timed(
  check: () => Promise<unknown>,
  timeoutMs: number,
  failure: string,
): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // The reason is for operators; it names no secret (drivers' messages carry no passwords).
    const reason = errorMessage(error);
    return { ok: false, ms: Math.round(performance.now() - started), message: `${failure}: ${reason}` };
  }
}
