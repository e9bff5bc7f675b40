/**
 * @module server — wires everything into one Node HTTP server: Hono for HTTP, Socket.IO on the same
 * server (engine.io answers `/socket.io/` before Hono sees it), the database (SQLite, or MySQL shared by
 * several instances), the Socket.IO Redis adapter when `REDIS_URL` is set, speech engines.
 *
 * `close()` is the graceful shutdown (SIGTERM on Cloud Hosting's scale-in and deploys), bounded by
 * `SHUTDOWN_TIMEOUT_SECONDS`: stop listening (new connections go to other instances) and turn `/readyz`
 * to 503; refuse new sessions; flush every live session and store its results (and wait for those already
 * ending: a client's `stop`, a vanished client's flush); tell each client whose session was cut
 * (`session-error` `SERVER_RESTARTING`, also when the flush overran its limit); close the transports
 * without a Socket.IO DISCONNECT, so clients reconnect by themselves — to another instance, resuming
 * their Socket.IO session from Redis; then release engines, Redis and the database.
 *
 * Used by `main.ts` and by the tests (`port: 0`, injected engines and logger).
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { Server } from 'socket.io';
import type { Config } from './config';
import { configWarnings } from './config';
import { openStorage, type Storage } from './db/storage';
import type { TranscriptRepository } from './db/transcript-repository';
import { createApp } from './http/app';
import { createLogger, type Logger } from './log';
import { createHistoryService } from './services/history';
import { createIdentityService } from './services/identity';
import { createStatsService } from './services/stats';
import {
  type Admission,
  createAdmission,
  DEFAULT_STREAM_MEMORY_BYTES,
  defaultMaxSessions,
  memoryLimitBytes,
} from './services/voice/admission';
import { createFileRecognizer } from './services/voice/recognize-file';
import { createVoiceSessions, type VoiceSessions } from './services/voice/voice-sessions';
import { createCutNoticeRegistry } from './socket/cut-notice';
import { connectRedis, type RedisLink } from './socket/redis-adapter';
import {
  announceRecord,
  attachVoiceNamespace,
  refuseMainNamespace,
  type VoiceNamespace,
  type VoiceServer,
} from './socket/voice-namespace';
import { createEngineRegistry, type EngineRegistry, type SpeechEngine } from './speech';
import { CONFIGURED_STREAM_COST, createConfiguredEngines } from './speech/configured-engines';
import { usableCores } from './speech/cpu-quota';
import { settlesWithin } from './timeout';

export interface CreateServerOptions {
  readonly config: Config;
  /** Speech engines (default: those `config` names, see `createConfiguredEngines`). Closed by `close()`. */
  readonly engines?: readonly SpeechEngine[];
  readonly logger?: Logger;
}

export interface RunningServer {
  /** `http://host:port` (loopback when listening on all interfaces). */
  readonly url: string;
  readonly port: number;
  readonly httpServer: ServerType;
  readonly io: VoiceServer;
  readonly namespace: VoiceNamespace;
  readonly sessions: VoiceSessions;
  /** Caps and the start queue of live sessions and uploads (reported by `/healthz` as `capacity`). */
  readonly admission: Admission;
  readonly repository: TranscriptRepository;
  /** The database (SQLite or MySQL) behind `repository`. */
  readonly storage: Storage;
  /** The Redis link of the Socket.IO adapter (only with `REDIS_URL`). */
  readonly redis: RedisLink | undefined;
  readonly engines: EngineRegistry;
  /** True once `close()` began. */
  readonly draining: boolean;
  /**
   * Graceful shutdown (see the module comment): live sessions are flushed and stored, clients told and
   * disconnected so they reconnect elsewhere, then everything is released. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Bounds of the shutdown steps after the flush (which gets `SHUTDOWN_TIMEOUT_SECONDS`): 9 s together, so
 * `close()` ends within `SHUTDOWN_TIMEOUT_SECONDS` + `SHUTDOWN_EXTRA_MS` whatever hangs (`main.ts` exits
 * at that point as a backstop).
 */
const REDIS_FLUSH_MS = 1_000;
const CLOSE_TRANSPORTS_MS = 2_000;
const CONNECTIONS_END_MS = 3_000;
const RELEASE_MS = 1_000;
export const SHUTDOWN_EXTRA_MS = 10_000;

/** What a client whose session a shutdown cut is told (`session-error`); no contract change needed. */
export const SHUTDOWN_NOTICE = {
  code: 'SERVER_RESTARTING',
  message:
    'this server instance is shutting down: your results so far are stored; the client reconnects by itself (to another instance) — start a new session there',
} as const;

/**
 * Starts the server and resolves once it listens.
 *
 * @example
 * const server = await createServer({ config: loadConfig() });
 * console.log(server.url);
 * await server.close();
 */
export async function createServer(options: CreateServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  for (const warning of configWarnings(config)) logger.warn('config.warning', { message: warning });

  const engineList = options.engines ?? createConfiguredEngines(config, { maxStreams: maxSessions(config) });
  const engines = createEngineRegistry(engineList, config.asrEngine);
  for (const engine of engines.list()) {
    const status = engine.status();
    if (status.ready) logger.info('engine.ready', { engine: engine.name });
    else
      logger.warn('engine.unavailable', { engine: engine.name, code: status.code, message: status.message });
  }

  // A failed start releases what it opened: engines may hold worker threads, which would keep a process
  // (or a test run) alive after the error.
  const releaseEngines = () => engines.close().catch(() => undefined);
  const storage = await openStorage(config).catch(async (error: unknown) => {
    await releaseEngines();
    throw error;
  });
  const repository = storage.repository;
  let redis: RedisLink | undefined;
  if (config.redisUrl !== undefined) {
    try {
      redis = await connectRedis(config.redisUrl, logger);
    } catch (error) {
      await storage.close();
      await releaseEngines();
      throw error;
    }
  }
  const identity = createIdentityService(config.auth);

  // The namespace exists only after the Socket.IO server does; announcements made before that go nowhere.
  let namespace: VoiceNamespace | undefined;
  const announce = (record: TranscriptRecord) => {
    if (namespace) announceRecord(namespace, record);
  };
  // One notion of capacity (issue 13): every live session and upload takes a slot here, and the engines
  // were sized for the same number.
  const admission = createAdmission({
    maxSessions: options.engines ? maxSessions(config, engineList) : maxSessions(config),
    maxSessionsPerUser: config.admission.maxSessionsPerUser,
    maxStarting: config.admission.maxStarting,
  });
  logger.info('admission.limits', { ...admission.report() });
  const sessions = createVoiceSessions({
    engines,
    repository,
    limits: config.session,
    announce,
    logger,
    admission,
  });

  /** Set when shutdown begins: `/readyz` answers 503 and new sessions are refused. */
  let draining = false;
  const app = createApp({
    identity,
    history: createHistoryService(repository),
    stats: createStatsService(repository, Date.now, {
      engineNames: () => engines.list().map((engine) => engine.name),
    }),
    recognizer: createFileRecognizer({ engines, repository, announce, logger, admission }),
    repository,
    engines,
    activeSessions: () => sessions.activeCount,
    capacity: () => admission.report(),
    logger,
    uploadMaxBytes: config.uploadMaxBytes,
    corsOrigins: config.corsOrigins,
    staticDir: config.staticDir,
    redis,
    draining: () => draining,
  });

  const { httpServer, port } = await listen(app.fetch, config.port, config.host).catch(
    async (error: unknown) => {
      await redis?.close();
      await storage.close();
      await releaseEngines();
      throw error;
    },
  );
  const io: VoiceServer = new Server(httpServer, {
    // With Redis, broadcasts (`history:new` to a user's room) reach the user's sockets on every instance,
    // and recovery sessions are kept in Redis so a client resumes on another instance.
    ...(redis ? { adapter: redis.adapter } : {}),
    // WebSocket only: no sticky sessions needed behind Cloud Hosting's load balancer, and our client
    // speaks nothing else. The official client must be told `transports: ['websocket']`.
    transports: ['websocket'],
    maxHttpBufferSize: config.socketMaxFrameBytes,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true },
    serveClient: false,
    // A connection that joins no namespace (e.g. refused by every middleware) is closed after this.
    connectTimeout: config.socketLimits.connectTimeoutMs,
  });
  refuseMainNamespace(io);
  // Which connections are mid-session, for a shutdown whose flush overruns its limit (see `close`).
  const cutNotices = createCutNoticeRegistry(SHUTDOWN_NOTICE);
  namespace = attachVoiceNamespace(io, {
    identity,
    sessions,
    logger,
    limits: config.socketLimits,
    cutNotices,
  });

  const host =
    config.host === undefined || config.host === '0.0.0.0' || config.host === '::'
      ? '127.0.0.1'
      : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  /** Closes one resource at the end of a shutdown, bounded; what it leaves behind goes with the process. */
  const release = async (what: string, end: () => Promise<void>) => {
    const done = await settlesWithin(
      end().catch((error: unknown) => logger.warn(`${what}.close_failed`, { error: String(error) })),
      RELEASE_MS,
    );
    if (!done) logger.warn(`${what}.close_timeout`, { timeoutMs: RELEASE_MS });
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      const started = Date.now();
      logger.info('server.draining', {
        activeSessions: sessions.activeCount,
        sockets: namespace?.sockets.size,
      });
      // Stop listening first: new connections go to other instances; open ones (sockets, requests in
      // flight) carry on. Resolves once every connection has ended.
      const connectionsEnded = new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
      });
      // Sessions next: their last utterances are flushed, stored and announced while the database and
      // Redis are still open; then each cut client is told why. Bounded: a stuck engine must not hold the
      // instance past the platform's kill.
      const flushed = await settlesWithin(sessions.closeAll(SHUTDOWN_NOTICE), config.shutdownTimeoutMs);
      if (!flushed) {
        // The flush's own notices never came: tell the clients being cut now, before their transport
        // closes, so they know why the session ended (and reconnect elsewhere to start a new one).
        const told = cutNotices.tellCut();
        logger.warn('server.shutdown_timeout', {
          activeSessions: sessions.activeCount,
          timeoutMs: config.shutdownTimeoutMs,
          told,
        });
      }
      // With Redis, those last emits are delivered only once Redis stored them: let them out first.
      if (redis) await settlesWithin(redis.flush(), REDIS_FLUSH_MS);
      // Close each transport once it has written what is queued (`io.close()` alone would discard a burst
      // of last results and the notice). Without a Socket.IO DISCONNECT the client sees "transport close"
      // and reconnects by itself; that reason also lets Socket.IO save its session for recovery (in Redis).
      await closeTransports(namespace, CLOSE_TRANSPORTS_MS);
      // Closes every remaining engine.io connection, then waits, like `connectionsEnded`, for the HTTP
      // server's last connection to end.
      const ioClosed = io.close();
      // Idle keep-alive connections go now; requests in flight (they had the whole flush already) get a
      // little longer. Bounded: a WebSocket whose peer never answers the close handshake would otherwise
      // hold the server's close for ws's 30 s, and an upgraded socket is beyond `closeAllConnections`.
      if ('closeIdleConnections' in httpServer) httpServer.closeIdleConnections();
      if (!(await settlesWithin(Promise.all([ioClosed, connectionsEnded]), CONNECTIONS_END_MS))) {
        if ('closeAllConnections' in httpServer) httpServer.closeAllConnections();
        logger.warn('server.connections_cut', { afterMs: CONNECTIONS_END_MS });
      }
      await release('engine', () => engines.close());
      // Redis after the sockets: saving recovery sessions and the last broadcasts are commands in flight.
      const link = redis;
      if (link) await release('redis', () => link.close());
      // The database last: every session's stores above ran while it was open.
      await release('database', () => storage.close());
      logger.info('server.closed', { ms: Date.now() - started });
    })();
    return closing;
  };

  return {
    url,
    port,
    httpServer,
    io,
    namespace,
    sessions,
    admission,
    repository,
    storage,
    redis,
    engines,
    get draining() {
      return draining;
    },
    close,
  };
}

/** Closes every connection of the namespace after its queued packets went out (bounded). */
async function closeTransports(namespace: VoiceNamespace | undefined, timeoutMs: number): Promise<void> {
  const closed = [...(namespace?.sockets.values() ?? [])].map(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.conn.once('close', () => resolve());
        socket.conn.close();
      }),
  );
  if (closed.length > 0) await settlesWithin(Promise.all(closed), timeoutMs);
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string | undefined,
): Promise<{ httpServer: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const httpServer = serve({ fetch, port, ...(hostname ? { hostname } : {}) }, (info: AddressInfo) => {
      httpServer.off('error', reject);
      resolve({ httpServer, port: info.port });
    });
    httpServer.once('error', reject);
  });
}

/**
 * The server-wide session cap: `SESSION_MAX_LIVE`, else what fits the instance's memory and cores at the
 * costliest stream — of the given engines, or (before the configured engines exist) the cost they declare.
 */
function maxSessions(config: Config, engines?: readonly SpeechEngine[]): number {
  if (config.admission.maxSessions !== undefined) return config.admission.maxSessions;
  const cost = engines
    ? {
        streamMemoryBytes: Math.max(
          ...engines.map((engine) => engine.streamMemoryBytes ?? DEFAULT_STREAM_MEMORY_BYTES),
        ),
        streamCpuCores: Math.max(0, ...engines.map((engine) => engine.streamCpuCores ?? 0)),
      }
    : {
        streamMemoryBytes: CONFIGURED_STREAM_COST.memoryBytes,
        streamCpuCores: CONFIGURED_STREAM_COST.cpuCores,
      };
  return defaultMaxSessions({ memoryLimitBytes: memoryLimitBytes(), cores: usableCores(), ...cost });
}
