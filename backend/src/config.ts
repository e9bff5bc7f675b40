/**
 * @module config — every setting of the server, read from environment variables and validated at start.
 *
 * `loadConfig()` collects every bad value before failing, so one start attempt tells the operator all that
 * is wrong (`ConfigError.problems`). Defaults suit a local developer; the container image overrides a few
 * (`PORT=80`, `AUTH_TRUST_WX_HEADERS=true`, `NODE_ENV=production`).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  readonly nodeEnv: string;
  readonly production: boolean;
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  /** Interface to listen on; undefined = all interfaces. */
  readonly host: string | undefined;
  /** SQLite file path (absolute) or `:memory:`. */
  readonly databasePath: string;
  /** Name of the default speech engine. */
  readonly asrEngine: string;
  readonly auth: {
    readonly trustWxHeaders: boolean;
    readonly tokenSecret: string | undefined;
    readonly tokenTtlSeconds: number;
    readonly allowAnonymous: boolean;
  };
  readonly session: {
    readonly maxDurationMs: number;
    readonly maxBytes: number;
  };
  readonly uploadMaxBytes: number;
  /** Socket.IO `maxHttpBufferSize`: a bigger frame closes the connection. */
  readonly socketMaxFrameBytes: number;
  /** Origins allowed to call the HTTP API cross-origin (`*` for any); empty = same origin only. */
  readonly corsOrigins: readonly string[];
  /** Directory of the built H5 app served at `/`. */
  readonly staticDir: string;
  readonly logLevel: LogLevel;
  readonly pocketsphinx: {
    readonly modelDir: string | undefined;
    readonly libraryDir: string | undefined;
  };
}

/** Thrown by `loadConfig` with one line per bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** The backend package directory (works from `src/` under tsx/vitest and from a bundled `dist/`). */
export const BACKEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Reads and validates the configuration.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError listing every bad variable
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (TRUE_WORDS.has(raw)) return true;
    if (FALSE_WORDS.has(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: expected true or false (also 1/0, yes/no, on/off)`);
    return fallback;
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';

  const port = integer('PORT', 3000, 0, 65_535);
  const host = read('HOST');

  const databasePath = parseDatabaseUrl(
    read('DATABASE_URL') ?? 'file:./data/realtime-voice.db',
    cwd,
    problems,
  );

  const asrEngine = read('ASR_ENGINE') ?? 'pocketsphinx';
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(asrEngine)) {
    problems.push(`ASR_ENGINE=${JSON.stringify(asrEngine)}: expected an engine name such as "pocketsphinx"`);
  }

  const tokenSecret = read('AUTH_TOKEN_SECRET');
  if (tokenSecret !== undefined && tokenSecret.length < 32) {
    problems.push(
      'AUTH_TOKEN_SECRET: too short (at least 32 characters; e.g. `openssl rand -base64 48`); value not shown',
    );
  }
  const tokenTtlSeconds = parseDuration(
    'AUTH_TOKEN_TTL',
    read('AUTH_TOKEN_TTL'),
    900,
    30,
    7 * 86_400,
    problems,
  );

  const maxSessionSeconds = integer('SESSION_MAX_SECONDS', 600, 1, 24 * 3600);
  const maxSessionBytes = integer('SESSION_MAX_BYTES', 20_000_000, 1_000, 2_000_000_000);
  const uploadMaxBytes = integer('UPLOAD_MAX_BYTES', 10_000_000, 1_000, 500_000_000);
  const socketMaxFrameBytes = integer('SOCKET_MAX_FRAME_BYTES', 1_000_000, 10_000, 100_000_000);

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://example.com (or *)`,
      );
    }
  }

  const staticRaw = read('STATIC_DIR');
  const staticDir =
    staticRaw === undefined
      ? join(BACKEND_DIR, '..', 'frontend', 'dist', 'build', 'h5')
      : resolve(cwd, staticRaw);

  const logRaw = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevel = LOG_LEVELS.find((level) => level === logRaw);
  if (logLevel === undefined) {
    problems.push(`LOG_LEVEL=${JSON.stringify(logRaw)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const dir = (name: string): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const path = resolve(cwd, raw);
    if (!existsSync(path)) problems.push(`${name}=${JSON.stringify(raw)}: directory does not exist`);
    return path;
  };
  const pocketsphinx = {
    modelDir: dir('POCKETSPHINX_MODEL_DIR'),
    libraryDir: dir('POCKETSPHINX_LIBRARY_DIR'),
  };

  const auth = {
    trustWxHeaders: bool('AUTH_TRUST_WX_HEADERS', false),
    tokenSecret,
    tokenTtlSeconds,
    // Anonymous use is a local-development convenience; production must opt in explicitly.
    allowAnonymous: bool('AUTH_ALLOW_ANONYMOUS', !production),
  };

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv,
    production,
    port,
    host,
    databasePath,
    asrEngine,
    auth,
    session: { maxDurationMs: maxSessionSeconds * 1000, maxBytes: maxSessionBytes },
    uploadMaxBytes,
    socketMaxFrameBytes,
    corsOrigins,
    staticDir,
    logLevel: logLevel ?? 'info',
    pocketsphinx,
  };
}

/** Warnings about a configuration that is valid but probably not what the operator wants. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const { auth } = config;
  if (!auth.trustWxHeaders && auth.tokenSecret === undefined && !auth.allowAnonymous) {
    warnings.push(
      'no way to authenticate: set AUTH_TRUST_WX_HEADERS=true (Cloud Hosting), AUTH_TOKEN_SECRET, or AUTH_ALLOW_ANONYMOUS=true',
    );
  }
  if (config.production && auth.allowAnonymous) {
    warnings.push(
      'AUTH_ALLOW_ANONYMOUS is on in production: anyone can use the service and share one history',
    );
  }
  return warnings;
}

function parseDatabaseUrl(raw: string, cwd: string, problems: string[]): string {
  if (raw === ':memory:' || raw === 'file::memory:') return ':memory:';
  if (/^(mysql|mariadb|postgres(ql)?):/i.test(raw)) {
    problems.push(
      `DATABASE_URL: ${raw.split(':')[0]} is not supported yet; use a SQLite file such as file:./data/realtime-voice.db`,
    );
    return ':memory:';
  }
  const path = raw.startsWith('file:') ? raw.slice('file:'.length) : raw;
  if (path === '' || path.includes('?')) {
    problems.push(`DATABASE_URL=${JSON.stringify(raw)}: expected file:<path to a SQLite file> or :memory:`);
    return ':memory:';
  }
  return isAbsolute(path) ? path : resolve(cwd, path);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseDuration(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*([smhd]?)$/i.exec(raw);
  const seconds = match
    ? Number(match[1]) * (UNIT_SECONDS[(match[2] || 's').toLowerCase()] ?? 1)
    : Number.NaN;
  if (!(seconds >= min && seconds <= max)) {
    problems.push(
      `${name}=${JSON.stringify(raw)}: expected a duration from ${min}s to ${max / 86_400}d, e.g. 900, 15m, 1h`,
    );
    return fallback;
  }
  return seconds;
}
