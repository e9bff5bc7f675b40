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

  it('lists every bad value at once, naming the variable, without echoing secrets', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://user:pw@db/voice',
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
    expect(found.join('\n')).toMatch(/mysql is not supported yet/);
    expect(() => loadConfig({ PORT: '70000' }, CWD)).toThrow(
      /PORT="70000": expected a whole number from 0 to 65535/,
    );
  });
});
