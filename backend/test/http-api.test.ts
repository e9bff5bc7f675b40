/**
 * The HTTP API over real HTTP on loopback: identity rules, history paging and ownership, stats, uploads
 * (formats, sizes, bad files), token issuing, health, and that errors are always `{ error: { code,
 * message } }` without a stack trace. Recognition here uses the fake engine; the real one has its suite.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/audio/wav';
import { ConfigError, loadConfig } from '../src/config';
import type { RunningServer } from '../src/server';
import { connectClient } from './support/clients';
import { concat, createFakeEngine, loud, quiet } from './support/fake-engine';
import { callApi } from './support/http';
import { emptyDir, startTestServer, TEST_SECRET, testEnv } from './support/server';
import { mysqlUnavailable, testMysqlDatabase } from './support/services';
import { tokenFor } from './support/tokens';

interface ErrorBody {
  error: { code: string; message: string };
}

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<RunningServer> {
  const started = await startTestServer(options);
  running.push(started);
  return started;
}

function expectError(result: { status: number; body: unknown }, status: number, code: string): ErrorBody {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  const body = result.body as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules|stack/);
  return body;
}

function record(userId: string, n: number, overrides: Partial<TranscriptRecord> = {}): TranscriptRecord {
  return {
    id: `r-${userId}-${String(n).padStart(3, '0')}`,
    userId,
    sessionId: `s-${userId}`,
    text: `text ${n}`,
    language: 'en-US',
    engine: 'fake',
    audioMs: 1000 + n,
    latencyMs: 100 + n,
    createdAt: new Date(Date.UTC(2026, 10, 20, 12, 0, n)).toISOString(),
    ...overrides,
  };
}

const SPEECH = concat(loud(400), quiet(400), loud(400), quiet(400));

describe('identity over HTTP', () => {
  let trusted: RunningServer;
  let untrusted: RunningServer;
  let anonymous: RunningServer;
  beforeAll(async () => {
    trusted = await server({ env: { AUTH_TRUST_WX_HEADERS: 'true' } });
    untrusted = await server();
    anonymous = await server({ env: { AUTH_ALLOW_ANONYMOUS: 'true' } });
  });

  it('trusts x-wx-openid / x-wx-from-openid only when configured', async () => {
    await trusted.repository.insert(record('wx:o-1', 1));
    const mine = await callApi(trusted, '/api/history', { headers: { 'x-wx-openid': 'o-1' } });
    expect(mine.status).toBe(200);
    expect((mine.body as { records: TranscriptRecord[] }).records.map((r) => r.id)).toEqual(['r-wx:o-1-001']);
    const reuse = await callApi(trusted, '/api/history', { headers: { 'x-wx-from-openid': 'o-1' } });
    expect((reuse.body as { records: unknown[] }).records).toHaveLength(1);

    const forged = await callApi(untrusted, '/api/history', { headers: { 'x-wx-openid': 'o-1' } });
    const body = expectError(forged, 401, 'UNAUTHENTICATED');
    expect(body.error.message).toMatch(/token/);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('accepts a valid bearer token and refuses expired, badly signed and malformed ones', async () => {
    expect((await callApi(untrusted, '/api/history', { user: 'alice' })).status).toBe(200);
    const expired = await callApi(untrusted, '/api/history', {
      token: await tokenFor('alice', { expiresInSeconds: -30 }),
    });
    expectError(expired, 401, 'TOKEN_EXPIRED');
    const badSignature = await callApi(untrusted, '/api/history', {
      token: await tokenFor('alice', { secret: 'a-different-secret-that-is-also-long-enough-42' }),
    });
    expect(expectError(badSignature, 401, 'TOKEN_INVALID').error.message).toMatch(/bad signature/);
    expectError(await callApi(untrusted, '/api/history', { token: 'abc.def.ghi' }), 401, 'TOKEN_INVALID');
    expectError(
      await callApi(untrusted, '/api/history', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      401,
      'TOKEN_INVALID',
    );
  });

  it('lets anonymous callers in only when allowed', async () => {
    expectError(await callApi(untrusted, '/api/stats'), 401, 'UNAUTHENTICATED');
    expect((await callApi(anonymous, '/api/stats')).status).toBe(200);
    // A forged header does not make an anonymous caller someone else.
    await anonymous.repository.insert(record('wx:victim', 1));
    const sneaky = await callApi(anonymous, '/api/history', { headers: { 'x-wx-openid': 'victim' } });
    expect((sneaky.body as { records: unknown[] }).records).toEqual([]);
  });
});

describe('history', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await server();
    for (let n = 1; n <= 25; n += 1) await s.repository.insert(record('alice', n));
    // Same timestamp for two records: the cursor must still page through both.
    await s.repository.insert(record('alice', 26, { createdAt: record('alice', 25).createdAt }));
    await s.repository.insert(record('bob', 1));
  });

  it('pages newest first with an opaque cursor until the end', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const query: string = before ? `?limit=10&before=${encodeURIComponent(before)}` : '?limit=10';
      const result = await callApi(s, `/api/history${query}`, { user: 'alice' });
      expect(result.status).toBe(200);
      const body = result.body as { records: TranscriptRecord[]; nextCursor: string | null };
      seen.push(...body.records.map((r) => r.id));
      before = body.nextCursor;
      if (!before) break;
    }
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect(seen[0]).toBe('r-alice-026');
    expect(seen.at(-1)).toBe('r-alice-001');
    const times = seen.map((id) => Number(id.slice(-3)));
    expect(times.slice(2)).toEqual([...times.slice(2)].sort((a, b) => b - a));
  });

  it('defaults to 20 records and validates limit and before', async () => {
    const result = await callApi(s, '/api/history', { user: 'alice' });
    expect((result.body as { records: unknown[] }).records).toHaveLength(20);
    for (const limit of ['0', '101', 'ten', '-1', '1.5']) {
      expectError(await callApi(s, `/api/history?limit=${limit}`, { user: 'alice' }), 400, 'BAD_LIMIT');
    }
    for (const before of ['!!!', 'bm90IGEgY3Vyc29y', 'x'.repeat(300)]) {
      expectError(await callApi(s, `/api/history?before=${before}`, { user: 'alice' }), 400, 'BAD_CURSOR');
    }
  });

  it('gets and deletes only the caller’s own records', async () => {
    const own = await callApi(s, '/api/history/r-alice-003', { user: 'alice' });
    expect(own.status).toBe(200);
    expect((own.body as TranscriptRecord).text).toBe('text 3');

    expectError(await callApi(s, '/api/history/r-bob-001', { user: 'alice' }), 404, 'NOT_FOUND');
    expectError(
      await callApi(s, '/api/history/r-bob-001', { user: 'alice', method: 'DELETE' }),
      404,
      'NOT_FOUND',
    );
    expect(await s.repository.get('bob', 'r-bob-001')).toBeDefined();
    expectError(await callApi(s, '/api/history/nope', { user: 'alice' }), 404, 'NOT_FOUND');
    expectError(await callApi(s, `/api/history/${'x'.repeat(2000)}`, { user: 'alice' }), 404, 'NOT_FOUND');

    const deleted = await callApi(s, '/api/history/r-alice-003', { user: 'alice', method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expectError(await callApi(s, '/api/history/r-alice-003', { user: 'alice' }), 404, 'NOT_FOUND');
    expectError(
      await callApi(s, '/api/history/r-alice-003', { user: 'alice', method: 'DELETE' }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('stats', () => {
  it('reports totals, per engine and per day for the caller only', async () => {
    const s = await server();
    const today = new Date();
    const at = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString();
    await s.repository.insert(record('dora', 1, { audioMs: 2000, latencyMs: 100, createdAt: at(0) }));
    await s.repository.insert(
      record('dora', 2, { audioMs: 3000, latencyMs: 300, createdAt: at(0), engine: 'other' }),
    );
    await s.repository.insert(record('dora', 3, { audioMs: 5000, latencyMs: 200, createdAt: at(1) }));
    await s.repository.insert(record('dora', 4, { audioMs: 1000, latencyMs: 200, createdAt: at(40) }));
    await s.repository.insert(record('eve', 1, { createdAt: at(0) }));

    const result = await callApi(s, '/api/stats', { user: 'dora' });
    expect(result.status).toBe(200);
    const body = result.body as {
      totals: { records: number; audioSeconds: number; averageLatencyMs: number };
      byEngine: { engine: string; records: number }[];
      byDay: { day: string; records: number; audioSeconds: number }[];
      days: number;
    };
    expect(body.totals).toEqual({ records: 4, audioSeconds: 11, averageLatencyMs: 200 });
    expect(body.byEngine).toEqual([
      { engine: 'fake', records: 3, audioSeconds: 8, averageLatencyMs: 167 },
      { engine: 'other', records: 1, audioSeconds: 3, averageLatencyMs: 300 },
    ]);
    expect(body.days).toBe(30);
    expect(body.byDay.map((d) => [d.day, d.records, d.audioSeconds])).toEqual([
      [at(0).slice(0, 10), 2, 5],
      [at(1).slice(0, 10), 1, 5],
    ]);
    const oneDay = (await callApi(s, '/api/stats?days=1', { user: 'dora' })).body as typeof body;
    expect(oneDay.byDay).toHaveLength(1);

    const empty = (await callApi(s, '/api/stats', { user: 'nobody' })).body as typeof body;
    expect(empty.totals).toEqual({ records: 0, audioSeconds: 0, averageLatencyMs: null });
    for (const days of ['0', '367', 'week']) {
      expectError(await callApi(s, `/api/stats?days=${days}`, { user: 'dora' }), 400, 'BAD_DAYS');
    }
  });

  it("counts days in the caller's time zone (tz) and refuses a bad zone with BAD_TZ", async () => {
    const s = await server();
    // Local midnight in Shanghai (16:00 UTC) has just passed: a UTC day would still say yesterday.
    const now = Date.now();
    const shanghaiMidnight = Math.floor((now + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000;
    const createdAt = new Date(Math.min(now, shanghaiMidnight + 1000)).toISOString();
    await s.repository.insert(record('fay', 1, { createdAt }));
    const shanghaiDay = new Date(Date.parse(createdAt) + 8 * 3_600_000).toISOString().slice(0, 10);
    const losAngelesDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(
      Date.parse(createdAt),
    );

    for (const [tz, day, label] of [
      ['Asia/Shanghai', shanghaiDay, 'Asia/Shanghai'],
      ['480', shanghaiDay, 'UTC+08:00'],
      ['America/Los_Angeles', losAngelesDay, 'America/Los_Angeles'],
      [undefined, createdAt.slice(0, 10), 'UTC'],
    ] as const) {
      const query = tz === undefined ? '' : `?tz=${encodeURIComponent(tz)}`;
      const result = await callApi(s, `/api/stats${query}`, { user: 'fay' });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ timeZone: label, byDay: [{ day, records: 1 }] });
    }
    for (const tz of ['Nowhere/City', '900', 'Asia%2FShanghai%3B', '', '%2B08%3A00']) {
      const refused = expectError(await callApi(s, `/api/stats?tz=${tz}`, { user: 'fay' }), 400, 'BAD_TZ');
      expect(refused.error.message).toMatch(/IANA time zone name/);
    }
    expectError(await callApi(s, '/api/stats?tz=UTC&tz=480', { user: 'fay' }), 400, 'BAD_TZ');
  });
});

describe('POST /api/recognize', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await server({ env: { UPLOAD_MAX_BYTES: '200000' } });
  });

  const upload = (body: Uint8Array | string, contentType: string | undefined, user = 'frank', query = '') =>
    callApi(s, `/api/recognize${query}`, {
      method: 'POST',
      user,
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });

  it('transcribes a 16 kHz mono WAV, stores the records and announces them to the user', async () => {
    const watcher = await connectClient('official', s.url, { auth: { token: await tokenFor('frank') } });
    const announced: TranscriptRecord[] = [];
    watcher.on('history:new', (r: unknown) => announced.push(r as TranscriptRecord));
    try {
      const result = await upload(encodeWav(SPEECH), 'audio/wav');
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      const body = result.body as {
        sessionId: string;
        engine: string;
        audioMs: number;
        records: TranscriptRecord[];
      };
      expect(body.records.map((r) => r.text)).toEqual(['utterance 1', 'utterance 2']);
      expect(body).toMatchObject({ engine: 'fake', language: 'en-US', audioMs: 1600 });
      for (const r of body.records) expect(await s.repository.get('frank', r.id)).toEqual(r);
      await expect.poll(() => announced.length).toBe(2);
    } finally {
      watcher.close();
    }
  });

  it('accepts raw audio/L16 big-endian (RFC 2586) and little-endian when declared', async () => {
    const bigEndian = new Uint8Array(SPEECH.length);
    for (let i = 0; i < SPEECH.length; i += 2) {
      bigEndian[i] = SPEECH[i + 1]!;
      bigEndian[i + 1] = SPEECH[i]!;
    }
    const be = await upload(bigEndian, 'audio/L16;rate=16000');
    expect((be.body as { records: unknown[] }).records).toHaveLength(2);
    const le = await upload(SPEECH, 'audio/L16; rate=16000; channels=1; endianness=little-endian');
    expect((le.body as { records: unknown[] }).records).toHaveLength(2);
  });

  it('refuses other formats with 415 and a message saying what to send', async () => {
    const cases: [Uint8Array | string, string | undefined][] = [
      [SPEECH, undefined],
      ['{"audio":"base64"}', 'application/json'],
      [SPEECH, 'audio/ogg'],
      [SPEECH, 'audio/L16;rate=8000'],
      [SPEECH, 'audio/L16'],
      [SPEECH, 'audio/L16;rate=16000;channels=2'],
      [encodeWav(SPEECH, 44_100), 'audio/wav'],
      [encodeWav(SPEECH, 16_000, 2), 'audio/wav'],
      [encodeWav(SPEECH, 16_000, 1, 8), 'audio/wav'],
    ];
    for (const [body, type] of cases) {
      const result = await upload(body, type);
      expect(result.status, `${type}: ${JSON.stringify(result.body)}`).toBe(415);
      expect((result.body as ErrorBody).error.message).toMatch(/16 kHz|16000|16-bit|audio\/wav|mono|PCM/);
    }
  });

  it('refuses unreadable WAVs and empty audio with 400', async () => {
    expectError(await upload('definitely not a wav', 'audio/wav'), 400, 'WAV_NOT_RIFF');
    expectError(await upload(encodeWav(SPEECH).subarray(0, 30), 'audio/wav'), 400, 'WAV_TRUNCATED');
    expectError(await upload(new Uint8Array(0), 'audio/L16;rate=16000'), 400, 'EMPTY_AUDIO');
    expectError(await upload(encodeWav(new Uint8Array(0)), 'audio/wav'), 400, 'EMPTY_AUDIO');
    expectError(await upload(encodeWav(SPEECH), 'audio/wav', 'frank', '?engine=nope'), 400, 'UNKNOWN_ENGINE');
    expectError(
      await upload(encodeWav(SPEECH), 'audio/wav', 'frank', '?language=de'),
      400,
      'UNSUPPORTED_LANGUAGE',
    );
  });

  it('refuses uploads over the limit with 413, with or without Content-Length', async () => {
    const big = new Uint8Array(250_000);
    expectError(await upload(big, 'audio/L16;rate=16000'), 413, 'PAYLOAD_TOO_LARGE');
    // Chunked (no Content-Length): the limit applies while the body streams in.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i += 1) controller.enqueue(new Uint8Array(60_000));
        controller.close();
      },
    });
    const response = await fetch(`${s.url}/api/recognize`, {
      method: 'POST',
      body: stream,
      headers: { authorization: `Bearer ${await tokenFor('frank')}`, 'content-type': 'audio/L16;rate=16000' },
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('says which package to install when the engine is unavailable (503)', async () => {
    const broken = await server({
      engines: [createFakeEngine({ unavailable: 'apt-get install pocketsphinx-en-us' })],
    });
    const result = await callApi(broken, '/api/recognize', {
      method: 'POST',
      user: 'frank',
      body: encodeWav(SPEECH),
      headers: { 'content-type': 'audio/wav' },
    });
    expect(expectError(result, 503, 'ENGINE_UNAVAILABLE').error.message).toMatch(/apt-get install/);
  });
});

describe('POST /api/tokens', () => {
  it('issues a token to WeChat callers that works on HTTP and Socket.IO, and to no one else', async () => {
    const s = await server({
      env: { AUTH_TRUST_WX_HEADERS: 'true', AUTH_ALLOW_ANONYMOUS: 'true', AUTH_TOKEN_TTL: '5m' },
    });
    const issued = await callApi(s, '/api/tokens', { method: 'POST', headers: { 'x-wx-openid': 'o-ios' } });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const body = issued.body as {
      token: string;
      tokenType: string;
      userId: string;
      expiresIn: number;
      expiresAt: string;
    };
    expect(body).toMatchObject({ tokenType: 'Bearer', userId: 'wx:o-ios', expiresIn: 300 });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(250_000);

    await s.repository.insert(record('wx:o-ios', 1));
    const viaToken = await callApi(s, '/api/history', { token: body.token });
    expect((viaToken.body as { records: unknown[] }).records).toHaveLength(1);
    const socket = await connectClient('ours', s.url, { auth: { token: body.token } });
    socket.close();

    expectError(
      await callApi(s, '/api/tokens', { method: 'POST', token: body.token }),
      403,
      'TOKEN_FORBIDDEN',
    );
    expectError(await callApi(s, '/api/tokens', { method: 'POST' }), 403, 'TOKEN_FORBIDDEN');
  });

  it('is off without AUTH_TOKEN_SECRET', async () => {
    const s = await server({ env: { AUTH_TOKEN_SECRET: '', AUTH_TRUST_WX_HEADERS: 'true' } });
    const result = await callApi(s, '/api/tokens', { method: 'POST', headers: { 'x-wx-openid': 'o-1' } });
    expectError(result, 404, 'TOKENS_DISABLED');
    // And a token is then refused with a reason, not ignored.
    expectError(await callApi(s, '/api/history', { user: 'alice' }), 401, 'TOKEN_UNSUPPORTED');
  });
});

describe('health, home and unknown routes', () => {
  it('reports liveness and engine readiness', async () => {
    const s = await server({
      engines: [createFakeEngine(), createFakeEngine({ name: 'broken', unavailable: 'apt-get install x' })],
    });
    const result = await callApi(s, '/healthz');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'ok',
      ready: true,
      database: { ok: true },
      engines: [
        { name: 'fake', default: true, ready: true },
        {
          name: 'broken',
          default: false,
          ready: false,
          code: 'ENGINE_UNAVAILABLE',
          message: 'apt-get install x',
        },
      ],
    });
    const unready = await server({ engines: [createFakeEngine({ unavailable: 'apt-get install y' })] });
    const down = await callApi(unready, '/healthz');
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'ok', ready: false });
  });

  it('answers unknown routes with a JSON 404 and / with a how-to-build page or the built app', async () => {
    const s = await server();
    expectError(await callApi(s, '/api/nothing-here', { user: 'alice' }), 404, 'NOT_FOUND');
    expectError(await callApi(s, '/nothing-here'), 404, 'NOT_FOUND');
    const home = await callApi(s, '/');
    expect(home.status).toBe(200);
    expect(String(home.body)).toMatch(/npm run build:h5/);

    const dir = join(emptyDir(), 'h5');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const withApp = await server({ env: { STATIC_DIR: dir } });
    expect(String((await callApi(withApp, '/')).body)).toContain('<title>app</title>');
    expect(String((await callApi(withApp, '/assets/app.js')).body)).toBe('console.log(1)');
    expectError(await callApi(withApp, '/assets/missing.js'), 404, 'NOT_FOUND');
    expectError(await callApi(withApp, '/../../etc/passwd'), 404, 'NOT_FOUND');
  });
});

// Edge cases of the HTTP API and storage found by review, each failing before its fix: history order within
// one millisecond, MySQL's PAD SPACE comparisons, a token issued by a clock slightly ahead, CORS origins as
// browsers write them, and MySQL settings that were accepted but could not work.
describe('where the HTTP API used to go wrong', () => {
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
      expect(
        configProblem({ DATABASE_URL: `mysql://rv:pw@db.example:3306/${'d'.repeat(65)}` }),
      ).toBeInstanceOf(ConfigError);
    });
  });
});
