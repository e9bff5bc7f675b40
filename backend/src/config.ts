/**
 * @module config — every setting of the server, read from environment variables and validated at start.
 *
 * `loadConfig()` collects every bad value before failing, so one start attempt tells the operator all that
 * is wrong (`ConfigError.problems`). Defaults suit a local developer; the container image overrides a few
 * (`PORT=8080`, `AUTH_TRUST_WX_HEADERS=true`, `NODE_ENV=production`).
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
  /** SQLite file path (absolute) or `:memory:`; unused when `mysql` is set. */
  readonly databasePath: string;
  /** Shared MySQL database (several instances); undefined = the embedded SQLite file. */
  readonly mysql: MysqlSettings | undefined;
  /** Redis for the Socket.IO adapter (events reach every instance); undefined = one instance. */
  readonly redisUrl: string | undefined;
  /** Bound of a graceful shutdown (SIGTERM): sessions get this long to flush before sockets are cut. */
  readonly shutdownTimeoutMs: number;
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
    /** Average audio bytes a connection may send per second (`SOCKET_AUDIO_REALTIME_FACTOR` × 32,000). */
    readonly audioBytesPerSecond: number;
    /** Audio a connection may send at once above that rate (`SOCKET_AUDIO_BURST_SECONDS` of audio). */
    readonly audioBurstBytes: number;
  };
  /** Admission (services/voice/admission.ts): live sessions per server and user, and the start queue. */
  readonly admission: {
    /** Server-wide live sessions; undefined = derived from the memory limit and the engines' stream cost. */
    readonly maxSessions: number | undefined;
    readonly maxSessionsPerUser: number;
    readonly maxStarting: number;
  };
  /** Per-connection bounds of the Socket.IO server. */
  readonly socketLimits: {
    /** A connection that joins no namespace within this is closed (Socket.IO `connectTimeout`). */
    readonly connectTimeoutMs: number;
    /** Events a socket may send per second on average (a burst of 5 s worth is allowed). */
    readonly maxEventsPerSecond: number;
    /** Invalid events (unknown, malformed, out of place) after which a socket is disconnected. */
    readonly maxInvalidEvents: number;
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
  // --- speech engines for Chinese (sherpa-onnx, Tencent Cloud) ---
  readonly sherpa: {
    /** Model directory (`npm run model:fetch` prints it); undefined = engine listed as unavailable. */
    readonly modelDir: string | undefined;
    /** Decoding worker threads, each with its own copy of the model. */
    readonly workers: number;
    /** onnxruntime threads per recognizer; undefined = min(2, cores). */
    readonly numThreads: number | undefined;
    /** Prefer the int8 encoder/joiner when the directory has them. */
    readonly int8: boolean;
  };
  readonly tencent: {
    readonly appId: string | undefined;
    readonly secretId: string | undefined;
    /** Never logged. */
    readonly secretKey: string | undefined;
    /** Default wss://asr.cloud.tencent.com. */
    readonly endpoint: string | undefined;
    /** `engine_model_type` for zh-CN instead of 16k_zh (e.g. 16k_zh_large). */
    readonly zhModel: string | undefined;
  };
}

/** Where the shared MySQL database is (from `DATABASE_URL=mysql://…` or Cloud Hosting's `MYSQL_*`). */
export interface MysqlSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Never logged. */
  readonly password: string;
  readonly database: string;
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

/** 16 kHz mono 16-bit PCM: one second of real-time audio. */
const PCM_BYTES_PER_SECOND = 32_000;

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

  // --- several instances (MySQL, Redis, graceful shutdown) ---
  const mysql = parseMysqlSettings(read, problems);
  const redisUrl = parseRedisUrl(read('REDIS_URL'), problems);
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_SECONDS', 20, 1, 600) * 1000;

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

  // --- admission and per-connection bounds (issue 12) ---
  const maxLiveRaw = read('SESSION_MAX_LIVE');
  const admission = {
    maxSessions: maxLiveRaw === undefined ? undefined : integer('SESSION_MAX_LIVE', 1, 1, 10_000),
    maxSessionsPerUser: integer('SESSION_MAX_PER_USER', 2, 1, 10_000),
    maxStarting: integer('SESSION_START_QUEUE', 8, 1, 1_000),
  };
  const audioRealtimeFactor = integer('SOCKET_AUDIO_REALTIME_FACTOR', 4, 1, 1_000);
  const audioBurstSeconds = integer('SOCKET_AUDIO_BURST_SECONDS', 30, 1, 3_600);
  const socketLimits = {
    connectTimeoutMs: integer('SOCKET_CONNECT_TIMEOUT_SECONDS', 10, 1, 600) * 1000,
    maxEventsPerSecond: integer('SOCKET_MAX_EVENTS_PER_SECOND', 100, 1, 100_000),
    maxInvalidEvents: integer('SOCKET_MAX_INVALID_EVENTS', 20, 1, 100_000),
  };

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      if (origin === '*') return origin;
      if (!/^https?:\/\/[^/\s]+$/.test(origin) || !URL.canParse(origin)) {
        problems.push(
          `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://example.com (or *)`,
        );
        return origin;
      }
      // As browsers send it: lower-case host, no default port (`https://App.example.com:443`).
      return new URL(origin).origin;
    });

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

  // --- speech engines for Chinese (sherpa-onnx, Tencent Cloud) ---
  // A missing model directory or credentials are not config errors: the engine is listed in /healthz as
  // unavailable with what to do, and the other engines keep serving.
  const sherpaModelRaw = read('SHERPA_MODEL_DIR');
  const sherpaThreads = read('SHERPA_THREADS');
  const sherpa = {
    modelDir: sherpaModelRaw === undefined ? undefined : resolve(cwd, sherpaModelRaw),
    workers: integer('SHERPA_WORKERS', 1, 1, 16),
    numThreads: sherpaThreads === undefined ? undefined : integer('SHERPA_THREADS', 1, 1, 64),
    int8: bool('SHERPA_INT8', true),
  };
  const tencent = {
    appId: read('TENCENT_APP_ID'),
    secretId: read('TENCENT_SECRET_ID'),
    secretKey: read('TENCENT_SECRET_KEY'),
    endpoint: read('TENCENT_ASR_ENDPOINT'),
    zhModel: read('TENCENT_ASR_ZH_MODEL'),
  };
  if (tencent.appId !== undefined && !/^\d{1,20}$/.test(tencent.appId)) {
    problems.push(
      `TENCENT_APP_ID=${JSON.stringify(tencent.appId)}: expected the numeric AppID from the Tencent Cloud console`,
    );
  }
  if (tencent.endpoint !== undefined && !/^wss?:\/\/[^/\s]+\/?$/.test(tencent.endpoint)) {
    problems.push(
      `TENCENT_ASR_ENDPOINT=${JSON.stringify(tencent.endpoint)}: expected wss://host[:port] (default wss://asr.cloud.tencent.com)`,
    );
  }
  // We always send 16 kHz PCM: an 8k_ model would be fed audio at twice its rate.
  if (tencent.zhModel !== undefined && !/^16k_[A-Za-z0-9_-]+$/.test(tencent.zhModel)) {
    problems.push(
      `TENCENT_ASR_ZH_MODEL=${JSON.stringify(tencent.zhModel)}: expected a 16 kHz engine_model_type such as 16k_zh (the server sends 16 kHz audio)`,
    );
  }

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
    mysql,
    redisUrl,
    shutdownTimeoutMs,
    asrEngine,
    auth,
    session: {
      maxDurationMs: maxSessionSeconds * 1000,
      maxBytes: maxSessionBytes,
      audioBytesPerSecond: audioRealtimeFactor * PCM_BYTES_PER_SECOND,
      audioBurstBytes: audioBurstSeconds * PCM_BYTES_PER_SECOND,
    },
    admission,
    socketLimits,
    uploadMaxBytes,
    socketMaxFrameBytes,
    corsOrigins,
    staticDir,
    logLevel: logLevel ?? 'info',
    pocketsphinx,
    sherpa,
    tencent,
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
  // mysql:// and mariadb:// are read by parseMysqlSettings.
  if (/^(mysql|mariadb):/i.test(raw)) return ':memory:';
  if (/^postgres(ql)?:/i.test(raw)) {
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

const MYSQL_URL = /^(mysql|mariadb):/i;

/**
 * MySQL from `DATABASE_URL=mysql://user:password@host:port/database`, or from the variables Cloud Hosting
 * sets when a MySQL instance is linked (`MYSQL_ADDRESS=host:port`, `MYSQL_USERNAME`, `MYSQL_PASSWORD`, plus
 * our `MYSQL_DATABASE`). The `MYSQL_*` set wins over a SQLite `DATABASE_URL` (the image sets one by
 * default); two MySQL definitions at once are refused.
 */
function parseMysqlSettings(
  read: (name: string) => string | undefined,
  problems: string[],
): MysqlSettings | undefined {
  const url = read('DATABASE_URL');
  const address = read('MYSQL_ADDRESS');
  const fromUrl = url !== undefined && MYSQL_URL.test(url);
  if (fromUrl && address !== undefined) {
    problems.push('DATABASE_URL and MYSQL_ADDRESS both name a MySQL server: set only one of them');
    return undefined;
  }
  if (fromUrl) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      problems.push('DATABASE_URL: not a valid URL; expected mysql://user:password@host:3306/database');
      return undefined;
    }
    let decoded: { user: string; password: string; database: string };
    try {
      decoded = {
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
      };
    } catch {
      problems.push(
        'DATABASE_URL: bad percent-encoding in the user, password or database name: write % as %25 (value not shown)',
      );
      return undefined;
    }
    const { database } = decoded;
    const port = parsed.port === '' ? 3306 : Number(parsed.port);
    const settings = {
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      user: decoded.user,
      password: decoded.password,
      database,
    };
    // The checks MYSQL_ADDRESS and MYSQL_DATABASE get (a start would fail later with a misleading error).
    if (port < 1 || port > 65_535) {
      problems.push('DATABASE_URL: the port must be 1–65535 (value not shown)');
      return undefined;
    }
    if (database.length > 64) {
      problems.push('DATABASE_URL: the database name is longer than 64 characters (value not shown)');
      return undefined;
    }
    const missing = [
      settings.host === '' ? 'a host' : undefined,
      settings.user === '' ? 'a user' : undefined,
      database === '' || database.includes('/') ? 'a database name' : undefined,
    ].filter((part) => part !== undefined);
    if (missing.length > 0) {
      problems.push(
        `DATABASE_URL: the MySQL URL lacks ${missing.join(', ')}; expected mysql://user:password@host:3306/database (value not shown)`,
      );
      return undefined;
    }
    return settings;
  }
  if (address === undefined) {
    for (const name of ['MYSQL_USERNAME', 'MYSQL_PASSWORD', 'MYSQL_DATABASE']) {
      if (read(name) !== undefined)
        problems.push(`${name} is set but MYSQL_ADDRESS is not: set MYSQL_ADDRESS=host:3306`);
    }
    return undefined;
  }
  const match = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(address);
  const port = match?.[2] === undefined ? 3306 : Number(match[2]);
  if (!match || port < 1 || port > 65_535) {
    problems.push(`MYSQL_ADDRESS=${JSON.stringify(address)}: expected host:port, e.g. 10.0.0.8:3306`);
  }
  const user = read('MYSQL_USERNAME');
  if (user === undefined) problems.push('MYSQL_USERNAME: required with MYSQL_ADDRESS');
  const database = read('MYSQL_DATABASE') ?? 'realtime_voice';
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database)) {
    problems.push(
      `MYSQL_DATABASE=${JSON.stringify(database)}: expected a database name (letters, digits, _ $ -)`,
    );
  }
  return {
    host: (match?.[1] ?? address).replace(/^\[(.*)\]$/, '$1'),
    port,
    user: user ?? '',
    password: read('MYSQL_PASSWORD') ?? '',
    database,
  };
}

function parseRedisUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
    problems.push('REDIS_URL: expected redis://[:password@]host:6379[/db] or rediss://… (value not shown)');
    return undefined;
  }
  return raw;
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
