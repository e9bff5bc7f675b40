/**
 * @module health routes — liveness and readiness, kept apart because a platform acts on them differently.
 *
 * - `GET /healthz` (liveness): always 200 while the process serves requests, and cheap — no I/O. It lists
 *   each engine with its status, the live session count, and the database (and Redis) status as of the last
 *   readiness check (or of the start, which migrated it), so a missing model shows up here, not as a crash
 *   loop.
 * - `GET /readyz` (readiness): actually checks what serving needs — a database round trip, Redis (when
 *   several instances share events through it), the default engine — each bounded in time, and turns 503
 *   as soon as the instance starts shutting down, so a load balancer stops sending it new connections.
 *
 * Both are built from the same repository and share the last database result through it.
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

export interface ReadinessOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  /** The Redis of the Socket.IO adapter, when events are shared across instances. */
  readonly redis?: { ping(): Promise<unknown> };
  /** True once the instance is shutting down. */
  readonly draining: () => boolean;
  /** Bound of each check (default 2 s): a hung database makes the instance unready, not the probe hang. */
  readonly checkTimeoutMs?: number;
}

interface CheckResult {
  readonly ok: boolean;
  readonly ms?: number;
  readonly message?: string;
}

interface SharedState {
  database: CheckResult & { readonly checkedAt?: string };
  /** Only once a readiness check with Redis ran. */
  redis: (CheckResult & { readonly checkedAt?: string }) | undefined;
  draining: () => boolean;
}

/** One state per repository, so `/healthz` reports what `/readyz` last found without doing I/O itself. */
const states = new WeakMap<TranscriptRepository, SharedState>();
function stateOf(repository: TranscriptRepository): SharedState {
  let state = states.get(repository);
  if (!state) {
    state = { database: { ok: true }, redis: undefined, draining: () => false };
    states.set(repository, state);
  }
  return state;
}

/**
 * @example
 * app.route('/healthz', healthRoutes({ engines, repository, activeSessions, startedAt: Date.now() }));
 */
export function healthRoutes(options: HealthOptions) {
  const state = stateOf(options.repository);
  return new Hono().get('/', (c) => {
    const engines = options.engines.list().map((engine) => {
      const status = engine.status();
      return {
        name: engine.name,
        default: engine === options.engines.defaultEngine,
        languages: engine.languages,
        ...status,
      };
    });
    const draining = state.draining();
    const ready =
      state.database.ok &&
      (state.redis?.ok ?? true) &&
      options.engines.defaultEngine.status().ready &&
      !draining;
    c.header('Cache-Control', 'no-store');
    return c.json({
      status: 'ok',
      ready,
      draining,
      uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
      activeSessions: options.activeSessions(),
      database: state.database,
      ...(state.redis ? { redis: state.redis } : {}),
      engines,
    });
  });
}

/**
 * @example
 * const readiness = readinessRoutes({ engines, repository, redis, draining: () => closing });
 * // GET /readyz → 200 { ready: true, checks } or 503 with the failing check's message
 */
export function readinessRoutes(options: ReadinessOptions) {
  const state = stateOf(options.repository);
  state.draining = options.draining;
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  return new Hono().get('/', async (c) => {
    const [database, redis] = await Promise.all([
      timed(() => options.repository.ping(), timeoutMs, 'the database does not answer'),
      options.redis ? timed(() => options.redis!.ping(), timeoutMs, 'Redis does not answer') : undefined,
    ]);
    const checkedAt = new Date().toISOString();
    state.database = { ...database, checkedAt };
    if (redis) state.redis = { ...redis, checkedAt };
    const engine = options.engines.defaultEngine;
    const engineStatus = engine.status();
    const draining = options.draining();
    const ready = database.ok && (redis?.ok ?? true) && engineStatus.ready && !draining;
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        ready,
        draining,
        checks: {
          database,
          ...(redis ? { redis } : {}),
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
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // The reason is for operators; it names no secret (drivers' messages carry no passwords).
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, ms: Math.round(performance.now() - started), message: `${failure}: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}
