/**
 * @module main — `npm start`: read the configuration, start the server, log its URL, and close gracefully
 * on SIGTERM / SIGINT (what Cloud Hosting sends on scale-in and deploys): live sessions flushed and stored,
 * clients told and sent to reconnect elsewhere (see `server.ts`). A shutdown that overruns
 * `SHUTDOWN_TIMEOUT_SECONDS` by more than a few seconds exits all the same.
 *
 * One signal often arrives several times: systemd and a terminal signal the whole process group of
 * `npm start`, and each `npm` layer forwards it to its child once more (decision 0043). Repeats within
 * `REPEAT_SIGNAL_WINDOW_MS` of the first are that same signal and are ignored; a signal after it is a
 * person insisting, and exits at once.
 */
import { ConfigError, loadConfig } from './config';
import { errorMessage, toError } from './errors';
import { createLogger } from './log';
import { createServer, SHUTDOWN_EXTRA_MS } from './server';

/** Copies of the first shutdown signal arrive within milliseconds; 3 s leaves room for a loaded machine. */
const REPEAT_SIGNAL_WINDOW_MS = 3_000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`realtime-voice: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const server = await createServer({ config, logger });
  logger.info('server.listening', {
    url: server.url,
    port: server.port,
    database: server.storage.description,
    redis: config.redisUrl !== undefined,
    engine: config.asrEngine,
    env: config.nodeEnv,
  });

  let stoppingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_SIGNAL_WINDOW_MS) {
        logger.info('server.signal_repeated', {
          signal,
          note: 'already draining; signal again later to exit now',
        });
        return;
      }
      logger.warn('server.forced_exit', { signal });
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info('server.stopping', { signal });
    // The server bounds each step of its shutdown (`SHUTDOWN_TIMEOUT_SECONDS` for the flush, a few
    // seconds for the rest); this is the backstop if something below it hangs all the same.
    const boundMs = config.shutdownTimeoutMs + SHUTDOWN_EXTRA_MS;
    setTimeout(() => {
      logger.error('server.shutdown_overrun', { timeoutMs: boundMs });
      process.exit(1);
    }, boundMs).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('server.close_failed', { error: toError(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // A stray rejection is a bug to log, not a reason to drop every live session; a thrown exception
  // leaves unknown state behind, so the process exits and the platform restarts it.
  process.on('unhandledRejection', (reason) => {
    logger.error('process.unhandled_rejection', { error: toError(reason) });
  });
  process.on('uncaughtException', (error) => {
    logger.error('process.uncaught_exception', { error });
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  // The code (DATABASE_UNAVAILABLE, DATABASE_MISSING, MIGRATION_LOCK_TIMEOUT, REDIS_UNAVAILABLE, …) is
  // what the deployment guide tells operators to look for.
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = errorMessage(error);
  console.error(`realtime-voice: failed to start${typeof code === 'string' ? ` (${code})` : ''}: ${message}`);
  process.exit(1);
});
