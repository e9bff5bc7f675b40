/**
 * Edge cases of the HTTP API and storage found by review, each failing before its fix: history order within
 * one millisecond, MySQL's PAD SPACE comparisons, a token issued by a clock slightly ahead, CORS origins as
 * browsers write them, and MySQL settings that were accepted but could not work.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { sign } from 'hono/jwt';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import type { RunningServer } from '../src/server';
import { encodeWav } from '../src/audio/wav';
import { concat, loud, quiet } from './support/fake-engine';
import { callApi } from './support/http';
import { startTestServer, TEST_SECRET, testEnv } from './support/server';
import { mysqlUnavailable, testMysqlDatabase } from './support/services';

const running: RunningServer[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const started = await startTestServer({ env });
  running.push(started);
  return started;
}

function configProblem(env: Record<string, string>): unknown {
  try {
    loadConfig(testEnv(env));
  } catch (error) {
    return error;
  }
  return undefined;
}

const record = (id: string, userId: string, createdAtMs: number): TranscriptRecord => ({
  id,
  userId,
  sessionId: 's',
  text: id,
  language: 'en-US',
  engine: 'fake',
  audioMs: 1000,
  latencyMs: 10,
  createdAt: new Date(createdAtMs).toISOString(),
});

describe('history order', () => {
  it('lists the utterances of one upload newest first (records stored in the same millisecond keep their order)', async () => {
    const s = await server();
    // An upload runs as fast as the engine goes, so many of its finals share a millisecond.
    const parts: Uint8Array[] = [];
    for (let n = 0; n < 40; n += 1) parts.push(loud(100), quiet(400));
    const upload = await callApi(s, '/api/recognize', {
      method: 'POST',
      user: 'ordered',
      body: encodeWav(concat(...parts)),
      headers: { 'content-type': 'audio/wav' },
    });
    expect(upload.status, JSON.stringify(upload.body)).toBe(200);
    const stored = (upload.body as { records: TranscriptRecord[] }).records;
    const spoken = stored.map((r) => r.text);
    const stamps = new Set(stored.map((r) => r.createdAt)).size;
    expect(spoken).toHaveLength(40);

    const page = await callApi(s, '/api/history?limit=100', { user: 'ordered' });
    const listed = (page.body as { records: TranscriptRecord[] }).records.map((r) => r.text);
    expect(listed, `${spoken.length} records, ${stamps} distinct createdAt`).toEqual([...spoken].reverse());
  });
});

describe('MySQL storage', () => {
  it.skipIf(mysqlUnavailable !== undefined)(
    'a user id that differs only by a trailing space is another user (no shared history, no deleting)',
    async () => {
      const database = testMysqlDatabase();
      cleanups.push(() => database.drop());
      const s = await server({ DATABASE_URL: database.url });
      await s.repository.insert(record('alice-1', 'alice', Date.UTC(2026, 10, 20)));

      // A token subject 'alice ' (a deployer's sign-in may allow it) would be alice under MySQL's PAD SPACE
      // collation: such a subject is refused, so it can neither read nor delete alice's records.
      const list = await callApi(s, '/api/history', { user: 'alice ' });
      expect(list.status).toBe(401);
      expect(list.body).toMatchObject({ error: { code: 'TOKEN_INVALID' } });
      expect((await callApi(s, '/api/history/alice-1', { method: 'DELETE', user: 'alice ' })).status).toBe(
        401,
      );
      expect(await s.repository.get('alice', 'alice-1')).toBeDefined();
      // Nor is a record id with a trailing space the record.
      expect((await callApi(s, '/api/history/alice-1%20', { user: 'alice' })).status).toBe(404);
    },
  );
});

describe('tokens', () => {
  it('accepts a token whose iat is a second ahead of this server (another instance, a sign-in service)', async () => {
    const s = await server();
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ sub: 'skewed', iat: now + 2, exp: now + 600 }, TEST_SECRET, 'HS256');
    const result = await callApi(s, '/api/history', { headers: { authorization: `Bearer ${token}` } });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
  });
});

describe('CORS_ORIGINS', () => {
  it('an origin written with capitals or with its default port either works or stops the start', async () => {
    for (const [configured, browserOrigin] of [
      ['https://App.Example.com', 'https://app.example.com'],
      ['https://b.example:443', 'https://b.example'],
    ] as const) {
      const refused = configProblem({ CORS_ORIGINS: configured });
      if (refused instanceof ConfigError) continue;
      const s = await server({ CORS_ORIGINS: configured });
      const preflight = await callApi(s, '/api/history', {
        method: 'OPTIONS',
        headers: { origin: browserOrigin, 'access-control-request-method': 'GET' },
      });
      expect.soft(preflight.headers.get('access-control-allow-origin'), configured).toBe(browserOrigin);
    }
  });
});

describe('DATABASE_URL (MySQL)', () => {
  it('a password with a raw % gets a configuration error naming DATABASE_URL, not a URIError', () => {
    const error = configProblem({ DATABASE_URL: 'mysql://rv:50%off@db.example:3306/realtime_voice' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/DATABASE_URL/);
    expect(String(error)).not.toMatch(/50%off/);
  });

  it('port and database name are checked as for MYSQL_ADDRESS and MYSQL_DATABASE', () => {
    // The same values through Cloud Hosting's variables are refused at start.
    expect(configProblem({ MYSQL_ADDRESS: 'db.example:0', MYSQL_USERNAME: 'rv' })).toBeInstanceOf(
      ConfigError,
    );
    expect(
      configProblem({
        MYSQL_ADDRESS: 'db.example:3306',
        MYSQL_USERNAME: 'rv',
        MYSQL_DATABASE: 'd'.repeat(65),
      }),
    ).toBeInstanceOf(ConfigError);
    // ...but not through DATABASE_URL: the start then fails with a misleading database error.
    expect(configProblem({ DATABASE_URL: 'mysql://rv:pw@db.example:0/realtime_voice' })).toBeInstanceOf(
      ConfigError,
    );
    expect(configProblem({ DATABASE_URL: `mysql://rv:pw@db.example:3306/${'d'.repeat(65)}` })).toBeInstanceOf(
      ConfigError,
    );
  });
});
