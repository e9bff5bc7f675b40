import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from './config';

const CWD = '/srv/app';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has defaults for a local developer', () => {
    const config = loadConfig({}, CWD);
    expect(config).toMatchObject({
      port: 3000,
      databasePath: '/srv/app/data/realtime-voice.db',
      asrEngine: 'pocketsphinx',
      production: false,
      auth: { trustWxHeaders: false, tokenSecret: undefined, tokenTtlSeconds: 900, allowAnonymous: true },
      session: { maxDurationMs: 600_000, maxBytes: 20_000_000 },
      uploadMaxBytes: 10_000_000,
      socketMaxFrameBytes: 1_000_000,
      logLevel: 'info',
      corsOrigins: [],
    });
    expect(config.staticDir).toMatch(/frontend\/dist\/build\/h5$/);
  });

  it('turns anonymous use off in production unless asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, CWD).auth.allowAnonymous).toBe(false);
    const opted = loadConfig({ NODE_ENV: 'production', AUTH_ALLOW_ANONYMOUS: 'yes' }, CWD);
    expect(opted.auth.allowAnonymous).toBe(true);
    expect(configWarnings(opted).join()).toMatch(/anonymous/i);
    expect(configWarnings(loadConfig({ NODE_ENV: 'production' }, CWD)).join()).toMatch(
      /no way to authenticate/,
    );
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '80',
        HOST: '0.0.0.0',
        DATABASE_URL: 'file:/var/lib/voice.db',
        ASR_ENGINE: 'fake',
        AUTH_TRUST_WX_HEADERS: 'true',
        AUTH_TOKEN_SECRET: 'x'.repeat(32),
        AUTH_TOKEN_TTL: '1h',
        AUTH_ALLOW_ANONYMOUS: 'off',
        SESSION_MAX_SECONDS: '60',
        SESSION_MAX_BYTES: '100000',
        UPLOAD_MAX_BYTES: '5000',
        SOCKET_MAX_FRAME_BYTES: '65536',
        CORS_ORIGINS: 'http://localhost:5173, https://example.com',
        STATIC_DIR: 'public',
        LOG_LEVEL: 'WARN',
        POCKETSPHINX_MODEL_DIR: '/',
      },
      CWD,
    );
    expect(config).toMatchObject({
      port: 80,
      host: '0.0.0.0',
      databasePath: '/var/lib/voice.db',
      asrEngine: 'fake',
      auth: { trustWxHeaders: true, tokenTtlSeconds: 3600, allowAnonymous: false },
      session: { maxDurationMs: 60_000, maxBytes: 100_000 },
      uploadMaxBytes: 5000,
      socketMaxFrameBytes: 65_536,
      corsOrigins: ['http://localhost:5173', 'https://example.com'],
      staticDir: '/srv/app/public',
      logLevel: 'warn',
      pocketsphinx: { modelDir: '/', libraryDir: undefined },
    });
    expect(loadConfig({ DATABASE_URL: ':memory:' }, CWD).databasePath).toBe(':memory:');
  });

  it('reads the admission and per-connection limits, with defaults (issue 12)', () => {
    expect(loadConfig({}, CWD)).toMatchObject({
      session: { audioBytesPerSecond: 128_000, audioBurstBytes: 960_000 },
      admission: { maxSessions: undefined, maxSessionsPerUser: 2, maxStarting: 8 },
      socketLimits: { connectTimeoutMs: 10_000, maxEventsPerSecond: 100, maxInvalidEvents: 20 },
    });
    const config = loadConfig(
      {
        SESSION_MAX_LIVE: '12',
        SESSION_MAX_PER_USER: '3',
        SESSION_START_QUEUE: '6',
        SOCKET_AUDIO_REALTIME_FACTOR: '2',
        SOCKET_AUDIO_BURST_SECONDS: '10',
        SOCKET_CONNECT_TIMEOUT_SECONDS: '5',
        SOCKET_MAX_EVENTS_PER_SECOND: '50',
        SOCKET_MAX_INVALID_EVENTS: '7',
      },
      CWD,
    );
    expect(config).toMatchObject({
      session: { audioBytesPerSecond: 64_000, audioBurstBytes: 320_000 },
      admission: { maxSessions: 12, maxSessionsPerUser: 3, maxStarting: 6 },
      socketLimits: { connectTimeoutMs: 5_000, maxEventsPerSecond: 50, maxInvalidEvents: 7 },
    });
    expect(problems({ SESSION_MAX_LIVE: '0', SESSION_MAX_PER_USER: 'two' })).toEqual([
      'SESSION_MAX_LIVE="0": expected a whole number from 1 to 10000',
      'SESSION_MAX_PER_USER="two": expected a whole number from 1 to 10000',
    ]);
  });

  it('lists every bad value at once, naming the variable, without echoing secrets', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'postgres://user:pw@db/voice',
      AUTH_TRUST_WX_HEADERS: 'maybe',
      AUTH_TOKEN_SECRET: 'short-secret',
      AUTH_TOKEN_TTL: '10 years',
      SESSION_MAX_BYTES: '-5',
      CORS_ORIGINS: 'example.com',
      LOG_LEVEL: 'loud',
      POCKETSPHINX_MODEL_DIR: '/no/such/dir',
      ASR_ENGINE: 'bad name!',
    });
    expect(found).toHaveLength(10);
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'AUTH_TRUST_WX_HEADERS',
      'AUTH_TOKEN_SECRET',
      'AUTH_TOKEN_TTL',
    ]) {
      expect(
        found.some((line) => line.startsWith(name)),
        name,
      ).toBe(true);
    }
    expect(found.join('\n')).not.toContain('short-secret');
    expect(found.join('\n')).toMatch(/postgres is not supported yet/);
    expect(() => loadConfig({ PORT: '70000' }, CWD)).toThrow(
      /PORT="70000": expected a whole number from 0 to 65535/,
    );
  });
});

// --- several instances: MySQL, Redis, shutdown bound ---
describe('loadConfig for several instances', () => {
  it('keeps SQLite, one instance and a 20 s shutdown bound by default', () => {
    expect(loadConfig({}, CWD)).toMatchObject({
      mysql: undefined,
      redisUrl: undefined,
      shutdownTimeoutMs: 20_000,
    });
  });

  it('reads MySQL from DATABASE_URL, decoding the user and password', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'mysql://voice%40app:p%2Fw@db.internal:3307/realtime',
        REDIS_URL: 'redis://:pw@10.0.0.9:6379/0',
        SHUTDOWN_TIMEOUT_SECONDS: '5',
      },
      CWD,
    );
    expect(config.mysql).toEqual({
      host: 'db.internal',
      port: 3307,
      user: 'voice@app',
      password: 'p/w',
      database: 'realtime',
    });
    expect(config.redisUrl).toBe('redis://:pw@10.0.0.9:6379/0');
    expect(config.shutdownTimeoutMs).toBe(5000);
    expect(loadConfig({ DATABASE_URL: 'mariadb://root@127.0.0.1/x' }, CWD).mysql).toMatchObject({
      port: 3306,
      password: '',
    });
  });

  it("reads Cloud Hosting's MYSQL_* variables, which win over the image's SQLite DATABASE_URL", () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'file:/app/data/realtime-voice.db',
        MYSQL_ADDRESS: '10.0.0.8:3306',
        MYSQL_USERNAME: 'root',
        MYSQL_PASSWORD: 'secret',
      },
      CWD,
    );
    expect(config.mysql).toEqual({
      host: '10.0.0.8',
      port: 3306,
      user: 'root',
      password: 'secret',
      database: 'realtime_voice',
    });
    expect(
      loadConfig({ MYSQL_ADDRESS: 'db', MYSQL_USERNAME: 'u', MYSQL_DATABASE: 'voice' }, CWD).mysql,
    ).toMatchObject({
      host: 'db',
      port: 3306,
      database: 'voice',
    });
  });

  it('names each bad MySQL, Redis or shutdown setting without echoing passwords', () => {
    const one = (env: Record<string, string>) => problems(env).join('\n');
    expect(one({ DATABASE_URL: 'mysql://u:hunter2@db' })).toMatch(
      /^DATABASE_URL: the MySQL URL lacks a database name/,
    );
    expect(one({ DATABASE_URL: 'mysql://:hunter2@db.internal' })).toMatch(/lacks a user, a database name/);
    expect(one({ DATABASE_URL: 'mysql://u:hunter2@db:99999/voice' })).toMatch(
      /^DATABASE_URL: not a valid URL/,
    );
    expect(one({ DATABASE_URL: 'mysql://u@db/v', MYSQL_ADDRESS: 'db:3306', MYSQL_USERNAME: 'u' })).toMatch(
      /set only one/,
    );
    expect(one({ MYSQL_ADDRESS: 'db:port', MYSQL_PASSWORD: 'hunter2' })).toMatch(
      /MYSQL_ADDRESS="db:port": expected host:port[\s\S]*MYSQL_USERNAME: required/,
    );
    expect(one({ MYSQL_ADDRESS: 'db', MYSQL_USERNAME: 'u', MYSQL_DATABASE: 'no;drop' })).toMatch(
      /^MYSQL_DATABASE="no;drop"/,
    );
    expect(one({ MYSQL_USERNAME: 'root' })).toMatch(/^MYSQL_USERNAME is set but MYSQL_ADDRESS is not/);
    expect(one({ REDIS_URL: 'http://hunter2@cache:6379' })).toMatch(/^REDIS_URL: expected redis:\/\//);
    expect(one({ REDIS_URL: 'not a url' })).toMatch(/^REDIS_URL/);
    expect(one({ SHUTDOWN_TIMEOUT_SECONDS: '0' })).toMatch(/^SHUTDOWN_TIMEOUT_SECONDS="0"/);
    for (const env of [
      { DATABASE_URL: 'mysql://u:hunter2@db' } as Record<string, string>,
      { REDIS_URL: 'http://hunter2@cache:6379' },
    ]) {
      expect(one(env)).not.toContain('hunter2');
    }
  });
});

describe('loadConfig for the Chinese speech engines (sherpa-onnx, Tencent Cloud)', () => {
  it('leaves both unconfigured by default (the engines then say what to set), int8 on, one worker', () => {
    const config = loadConfig({}, CWD);
    expect(config.sherpa).toEqual({ modelDir: undefined, workers: 1, numThreads: undefined, int8: true });
    expect(config.tencent).toEqual({
      appId: undefined,
      secretId: undefined,
      secretKey: undefined,
      endpoint: undefined,
      zhModel: undefined,
    });
  });

  it('reads the model directory (relative to the working directory, not required to exist) and credentials', () => {
    const config = loadConfig(
      {
        SHERPA_MODEL_DIR: 'models/zh-en',
        SHERPA_WORKERS: '2',
        SHERPA_THREADS: '1',
        SHERPA_INT8: 'false',
        TENCENT_APP_ID: '1259228442',
        TENCENT_SECRET_ID: 'AKIDexample',
        TENCENT_SECRET_KEY: 'secret',
        TENCENT_ASR_ENDPOINT: 'wss://asr.cloud.tencent.com',
        TENCENT_ASR_ZH_MODEL: '16k_zh_large',
      },
      CWD,
    );
    expect(config.sherpa).toEqual({
      modelDir: `${CWD}/models/zh-en`,
      workers: 2,
      numThreads: 1,
      int8: false,
    });
    expect(config.tencent).toMatchObject({
      appId: '1259228442',
      secretId: 'AKIDexample',
      zhModel: '16k_zh_large',
    });
  });

  it('names bad values without echoing the SecretKey', () => {
    const text = problems({
      SHERPA_WORKERS: '0',
      SHERPA_THREADS: 'many',
      TENCENT_APP_ID: 'app-one',
      TENCENT_SECRET_KEY: 'hunter2',
      TENCENT_ASR_ENDPOINT: 'https://asr.cloud.tencent.com/asr/v2',
      TENCENT_ASR_ZH_MODEL: 'zh',
    }).join('\n');
    expect(text).toMatch(/SHERPA_WORKERS="0"/);
    expect(text).toMatch(/SHERPA_THREADS="many"/);
    expect(text).toMatch(/TENCENT_APP_ID="app-one": expected the numeric AppID/);
    expect(text).toMatch(/TENCENT_ASR_ENDPOINT=.*expected wss:\/\/host/);
    expect(text).toMatch(/TENCENT_ASR_ZH_MODEL="zh"/);
    expect(text).not.toContain('hunter2');
  });

  it('refuses an 8 kHz Tencent model: the server always sends 16 kHz audio', () => {
    const text = problems({ TENCENT_ASR_ZH_MODEL: '8k_zh' }).join('\n');
    expect(text).toMatch(/TENCENT_ASR_ZH_MODEL="8k_zh": expected a 16 kHz engine_model_type/);
  });
});
