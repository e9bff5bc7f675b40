/**
 * @module server — wires everything into one Node HTTP server: Hono for HTTP, Socket.IO on the same
 * server (engine.io answers `/socket.io/` before Hono sees it), SQLite, speech engines.
 *
 * Used by `main.ts` and by the tests (`port: 0`, injected engines and logger).
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { Server } from 'socket.io';
import type { Config } from './config';
import { configWarnings } from './config';
import { type DatabaseHandle, openDatabase } from './db/client';
import { createSqliteTranscriptRepository, type TranscriptRepository } from './db/transcript-repository';
import { createApp } from './http/app';
import { createLogger, type Logger } from './log';
import { createHistoryService } from './services/history';
import { createIdentityService } from './services/identity';
import { createFileRecognizer } from './services/recognize-file';
import { createStatsService } from './services/stats';
import { createVoiceSessions, type VoiceSessions } from './services/voice-sessions';
import {
  announceRecord,
  attachVoiceNamespace,
  type VoiceNamespace,
  type VoiceServer,
} from './socket/voice-namespace';
import { createEngineRegistry, type EngineRegistry, type SpeechEngine } from './speech';
import { createConfiguredEngines } from './speech/configured-engines';

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
  readonly repository: TranscriptRepository;
  readonly database: DatabaseHandle;
  readonly engines: EngineRegistry;
  /** Finishes live sessions (their results are stored), closes sockets, the HTTP server and the database. */
  close(): Promise<void>;
}

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

  const engineList = options.engines ?? createConfiguredEngines(config);
  const engines = createEngineRegistry(engineList, config.asrEngine);
  for (const engine of engines.list()) {
    const status = engine.status();
    if (status.ready) logger.info('engine.ready', { engine: engine.name });
    else
      logger.warn('engine.unavailable', { engine: engine.name, code: status.code, message: status.message });
  }

  const database = openDatabase({ path: config.databasePath });
  const repository = createSqliteTranscriptRepository(database.db);
  const identity = createIdentityService(config.auth);

  // The namespace exists only after the Socket.IO server does; announcements made before that go nowhere.
  let namespace: VoiceNamespace | undefined;
  const announce = (record: TranscriptRecord) => {
    if (namespace) announceRecord(namespace, record);
  };
  const sessions = createVoiceSessions({
    engines,
    repository,
    limits: config.session,
    announce,
    logger,
  });

  const app = createApp({
    identity,
    history: createHistoryService(repository),
    stats: createStatsService(repository),
    recognizer: createFileRecognizer({ engines, repository, announce, logger }),
    repository,
    engines,
    activeSessions: () => sessions.activeCount,
    logger,
    uploadMaxBytes: config.uploadMaxBytes,
    corsOrigins: config.corsOrigins,
    staticDir: config.staticDir,
  });

  const { httpServer, port } = await listen(app.fetch, config.port, config.host);
  const io: VoiceServer = new Server(httpServer, {
    // WebSocket only: no sticky sessions needed behind Cloud Hosting's load balancer, and our client
    // speaks nothing else. The official client must be told `transports: ['websocket']`.
    transports: ['websocket'],
    maxHttpBufferSize: config.socketMaxFrameBytes,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true },
    serveClient: false,
  });
  namespace = attachVoiceNamespace(io, { identity, sessions, logger });

  const host =
    config.host === undefined || config.host === '0.0.0.0' || config.host === '::'
      ? '127.0.0.1'
      : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Sessions first: their last utterances are flushed and stored while the database is still open.
      await sessions.closeAll();
      const closed = new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      // Idle keep-alive connections go now; requests in flight get a few seconds to finish.
      if ('closeIdleConnections' in httpServer) {
        httpServer.closeIdleConnections();
        const force = setTimeout(() => httpServer.closeAllConnections(), 5_000);
        force.unref();
        await closed;
        clearTimeout(force);
      } else {
        await closed;
      }
      await engines
        .close()
        .catch((error: unknown) => logger.warn('engine.close_failed', { error: String(error) }));
      database.close();
      logger.info('server.closed');
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
    repository,
    database,
    engines,
    close,
  };
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
