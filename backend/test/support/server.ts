/**
 * @module test server — starts the real server on 127.0.0.1 with a free port, a fresh SQLite database
 * (`:memory:` unless a file is given), silent logs, and the engines a test wants.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { createServer, type RunningServer } from '../../src/server';
import type { SpeechEngine } from '../../src/speech';
import { createFakeEngine } from './fake-engine';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestServerOptions {
  /** Extra environment variables (override the test defaults). */
  readonly env?: Readonly<Record<string, string>>;
  /** Engines to use; 'configured' = what the server builds from its config (real pocketsphinx). Default: fake. */
  readonly engines?: readonly SpeechEngine[] | 'configured';
  readonly logger?: Logger;
}

/** Environment defaults for tests: loopback, port 0, in-memory DB, no static app, tokens on. */
export function testEnv(overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: ':memory:',
    ASR_ENGINE: 'fake',
    AUTH_TOKEN_SECRET: TEST_SECRET,
    AUTH_ALLOW_ANONYMOUS: 'false',
    STATIC_DIR: join(emptyDir(), 'no-app'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<RunningServer> {
  const env = testEnv(options.env);
  const config = loadConfig(env);
  const engines = options.engines ?? [createFakeEngine()];
  return createServer({
    config,
    ...(engines === 'configured' ? {} : { engines }),
    logger: options.logger ?? createLogger({ level: config.logLevel }),
  });
}

export function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), 'rv-backend-'));
}
