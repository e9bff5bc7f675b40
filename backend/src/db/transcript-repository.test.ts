/**
 * Every storage test runs against both dialects: the embedded SQLite file and a real MySQL (the run's
 * MariaDB, see `test/support/global-services.ts`), each on a fresh database.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mysqlUnavailable, type TestMysqlDatabase, testMysqlDatabase } from '../../test/support/services';
import { findMigrationsFolder } from './migrations-folder';
import {
  DatabaseError,
  type MysqlDatabaseHandle,
  migrationLockName,
  openMysqlDatabase,
} from './mysql/client';
import { createMysqlTranscriptRepository } from './mysql/transcript-repository';
import { type DatabaseHandle, openDatabase } from './sqlite/client';
import { createSqliteTranscriptRepository } from './sqlite/transcript-repository';
import type { TranscriptRepository } from './transcript-repository';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let sqliteHandle: DatabaseHandle | undefined;

async function openSqlite(): Promise<TranscriptRepository> {
  const handle = openDatabase({ path: ':memory:' });
  sqliteHandle = handle;
  cleanups.push(() => handle.close());
  return createSqliteTranscriptRepository(handle.db);
}

async function freshMysql(): Promise<TestMysqlDatabase> {
  const database = testMysqlDatabase();
  cleanups.push(() => database.drop());
  return database;
}

async function openMysql(database?: TestMysqlDatabase): Promise<TranscriptRepository> {
  const db = database ?? (await freshMysql());
  const handle = await openMysqlDatabase({ settings: db.settings });
  cleanups.push(() => handle.close());
  return createMysqlTranscriptRepository(handle.db);
}

const at = (ms: number) => new Date(ms).toISOString();
const record = (id: string, userId: string, createdAt: number, extra: Partial<TranscriptRecord> = {}) =>
  ({
    id,
    userId,
    sessionId: 's',
    text: id,
    language: 'en-US',
    engine: 'e',
    audioMs: 1000,
    latencyMs: 10,
    createdAt: at(createdAt),
    ...extra,
  }) satisfies TranscriptRecord;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const dialects = [
  { name: 'SQLite', open: openSqlite, skip: undefined },
  { name: 'MySQL (MariaDB)', open: () => openMysql(), skip: mysqlUnavailable },
] as const;

describe('SQLite transcript repository', () => {
  it('migrates a fresh database with WAL-ready pragmas and the committed migrations', async () => {
    await openSqlite();
    expect(findMigrationsFolder()).toMatch(/backend\/drizzle$/);
    expect(findMigrationsFolder(undefined, 'drizzle-mysql')).toMatch(/backend\/drizzle-mysql$/);
    expect(sqliteHandle?.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    const indexes = sqliteHandle?.sqlite.prepare("select name from sqlite_master where type = 'index'").all();
    expect(indexes).toContainEqual({ name: 'transcripts_user_created_idx' });
  });
});

for (const dialect of dialects) {
  const name = dialect.skip ? `${dialect.name} — skipped: ${dialect.skip}` : dialect.name;
  describe.skipIf(dialect.skip !== undefined)(`transcript repository on ${name}`, () => {
    it('round-trips records and pages with ties on createdAt', async () => {
      const repo = await dialect.open();
      for (const r of [
        record('a', 'u', 1000),
        record('b', 'u', 2000),
        record('c', 'u', 2000),
        record('z', 'v', 3000),
      ]) {
        await repo.insert(r);
      }
      const first = await repo.list('u', { limit: 2 });
      expect(first.records.map((r) => r.id)).toEqual(['c', 'b']);
      expect(first.next).toEqual({ createdAt: 2000, id: 'b' });
      const second = await repo.list('u', { limit: 2, ...(first.next ? { before: first.next } : {}) });
      expect(second.records.map((r) => r.id)).toEqual(['a']);
      expect(second.next).toBeNull();
      expect(await repo.get('u', 'a')).toEqual(record('a', 'u', 1000));
      expect(await repo.get('v', 'a')).toBeUndefined();
      expect(await repo.delete('v', 'a')).toBe(false);
      expect(await repo.delete('u', 'a')).toBe(true);
      expect(await repo.get('u', 'a')).toBeUndefined();
      // drizzle wraps MySQL's error ("Failed query: …") and keeps the driver's as the cause.
      const duplicate: unknown = await repo.insert(record('b', 'u', 5)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(duplicate).toBeInstanceOf(Error);
      expect(`${duplicate} ${(duplicate as Error).cause}`).toMatch(/UNIQUE|Duplicate entry/);
      await repo.ping();
    });

    it('keeps user ids exact (case-sensitive) and any Unicode text', async () => {
      const repo = await dialect.open();
      await repo.insert(record('r1', 'oAbC-openid', 1000, { text: '打开灯 ✅ naïve' }));
      await repo.insert(record('r2', 'oabc-openid', 2000));
      expect((await repo.list('oAbC-openid', { limit: 10 })).records.map((r) => r.id)).toEqual(['r1']);
      expect((await repo.list('oabc-openid', { limit: 10 })).records.map((r) => r.id)).toEqual(['r2']);
      expect((await repo.get('oAbC-openid', 'r1'))?.text).toBe('打开灯 ✅ naïve');
      expect(await repo.get('OABC-OPENID', 'r1')).toBeUndefined();
    });

    it('computes totals per user, per engine and per UTC day since a time', async () => {
      const repo = await dialect.open();
      const day0 = Date.UTC(2026, 0, 10);
      await repo.insert(record('1', 'u', day0 + 1000, { engine: 'x', audioMs: 1000, latencyMs: 10 }));
      await repo.insert(record('2', 'u', day0 + DAY - 1, { engine: 'y', audioMs: 3000, latencyMs: 21 }));
      await repo.insert(record('3', 'u', day0 + DAY, { engine: 'y', audioMs: 500, latencyMs: 30 }));
      await repo.insert(record('4', 'u', day0 - DAY, { engine: 'y', audioMs: 100, latencyMs: 40 }));
      await repo.insert(record('5', 'other', day0, { engine: 'x', audioMs: 9999, latencyMs: 99 }));
      const stats = await repo.stats('u', { since: day0 });
      expect(stats).toEqual({
        totals: { records: 4, audioMs: 4600, averageLatencyMs: 25 },
        byEngine: [
          { engine: 'y', records: 3, audioMs: 3600, averageLatencyMs: 30 },
          { engine: 'x', records: 1, audioMs: 1000, averageLatencyMs: 10 },
        ],
        byDay: [
          { day: '2026-01-11', records: 1, audioMs: 500, averageLatencyMs: 30 },
          { day: '2026-01-10', records: 2, audioMs: 4000, averageLatencyMs: 16 },
        ],
      });
      // The same records in Shanghai (UTC+8): 00:00:01 and 23:59:59 UTC fall on two local days.
      const shanghai = await repo.stats('u', {
        since: day0 - 8 * HOUR,
        offsets: [{ from: 0, offsetMs: 8 * HOUR }],
      });
      expect(shanghai.byDay.map((row) => [row.day, row.records])).toEqual([
        ['2026-01-11', 2],
        ['2026-01-10', 1],
      ]);
      expect(await repo.stats('nobody', { since: 0 })).toEqual({
        totals: { records: 0, audioMs: 0, averageLatencyMs: null },
        byEngine: [],
        byDay: [],
      });
    });

    it('buckets by local day with the offset in force at each record (a DST change inside the window)', async () => {
      const repo = await dialect.open();
      // New York, 2026: EDT (UTC−4) from 2026-03-08 07:00 UTC.
      const dstStart = Date.UTC(2026, 2, 8, 7);
      const offsets = [
        { from: Date.UTC(2026, 2, 7, 5), offsetMs: -5 * HOUR },
        { from: dstStart, offsetMs: -4 * HOUR },
      ];
      const at = [
        Date.UTC(2026, 2, 7, 5), // 7 March 00:00 EST
        Date.UTC(2026, 2, 8, 4, 59), // 7 March 23:59 EST
        Date.UTC(2026, 2, 8, 5, 30), // 8 March 00:30 EST
        Date.UTC(2026, 2, 9, 3, 59), // 8 March 23:59 EDT (it would be 22:59 at UTC−5 too; 9 March 03:59 UTC)
        Date.UTC(2026, 2, 9, 4), // 9 March 00:00 EDT (still 8 March at UTC−5)
        Date.UTC(2026, 2, 7, 4, 59), // 6 March 23:59 EST: before the window
      ];
      for (const [i, createdAt] of at.entries()) {
        await repo.insert(record(`d${i}`, 'u', createdAt));
      }
      const stats = await repo.stats('u', { since: offsets[0]?.from ?? 0, offsets });
      expect(stats.byDay.map((row) => [row.day, row.records])).toEqual([
        ['2026-03-09', 1],
        ['2026-03-08', 2],
        ['2026-03-07', 2],
      ]);
    });
  });
}

describe('MySQL migration lock name', () => {
  it("is per database, stable, and within MySQL's 64 characters", () => {
    expect(migrationLockName('realtime_voice')).toBe('realtime_voice.migrate.realtime_voice');
    expect(migrationLockName('other')).toBe('realtime_voice.migrate.other');
    const long = 'd'.repeat(64);
    const longer = `${'d'.repeat(63)}e`;
    expect(migrationLockName(long)).toMatch(/^realtime_voice\.migrate#[0-9a-f]{40}$/);
    expect(migrationLockName(long)).toBe(migrationLockName('d'.repeat(64)));
    expect(migrationLockName(longer)).not.toBe(migrationLockName(long));
    // Multi-byte names are measured in bytes: 30 × 'é' is 60 bytes, too long beside the prefix.
    expect(migrationLockName('é'.repeat(30))).toMatch(/#[0-9a-f]{40}$/);
    for (const name of ['a', 'x'.repeat(41), 'x'.repeat(42), long, 'é'.repeat(64)]) {
      expect(Buffer.byteLength(migrationLockName(name))).toBeLessThanOrEqual(64);
    }
    expect(migrationLockName('x'.repeat(41))).toBe(`realtime_voice.migrate.${'x'.repeat(41)}`);
  });
});

describe.skipIf(mysqlUnavailable !== undefined)(
  `MySQL client${mysqlUnavailable ? ` — skipped: ${mysqlUnavailable}` : ''}`,
  () => {
    it('creates the database and migrates it once when several instances start at the same time', async () => {
      const database = await freshMysql();
      const handles = await Promise.all(
        Array.from({ length: 4 }, () => openMysqlDatabase({ settings: database.settings })),
      );
      for (const handle of handles) cleanups.push(() => handle.close());
      const [applied] = await handles[0]!.pool.query<mysql.RowDataPacket[]>(
        'select count(*) as n from __drizzle_migrations',
      );
      expect(applied[0]?.n).toBe(1);
      const [columns] = await handles[0]!.pool.query<mysql.RowDataPacket[]>(
        "select collation_name from information_schema.columns where table_schema = database() and column_name = 'user_id'",
      );
      expect(columns[0]?.collation_name ?? columns[0]?.COLLATION_NAME).toBe('utf8mb4_bin');
      // A restart migrates nothing and keeps the data.
      const repo = createMysqlTranscriptRepository(handles[1]!.db);
      await repo.insert(record('kept', 'u', 1));
      await openMysql(database);
      expect(await repo.get('u', 'kept')).toBeDefined();
    });

    it('refuses with a code and a message naming the server, never the password', async () => {
      const database = await freshMysql();
      const wrongPassword = openMysqlDatabase({
        settings: { ...database.settings, password: 'hunter2-wrong' },
      });
      await expect(wrongPassword).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringMatching(
          /cannot connect to MySQL root@127\.0\.0\.1:\d+\/rv_test_.*Access denied/,
        ),
      });
      await expect(wrongPassword).rejects.not.toThrow(/hunter2/);

      const closedPort = openMysqlDatabase({ settings: { ...database.settings, port: 1 } });
      await expect(closedPort).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: /ECONNREFUSED/,
      });
      await expect(closedPort).rejects.toBeInstanceOf(DatabaseError);
    });

    it('says when the database is missing and the user may not create it', async () => {
      const database = await freshMysql();
      const admin = await adminConnection(database);
      const user = `rv_limited_${database.settings.database.slice(-6)}`;
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', 'limited-pass']);
      cleanups.push(async () => {
        await admin.query('DROP USER ?@?', [user, '%']);
        await admin.end();
      });
      await expect(
        openMysqlDatabase({ settings: { ...database.settings, user, password: 'limited-pass' } }),
      ).rejects.toMatchObject({
        code: 'DATABASE_MISSING',
        message: /does not exist and could not be created/,
      });
    });

    it('gives up with MIGRATION_LOCK_TIMEOUT when another instance holds the migration lock', async () => {
      const database = await freshMysql();
      const holder = await adminConnection(database);
      cleanups.push(() => holder.end());
      const lock = migrationLockName(database.settings.database);
      await holder.query('SELECT GET_LOCK(?, 5)', [lock]);
      let handle: MysqlDatabaseHandle | undefined;
      await expect(
        openMysqlDatabase({ settings: database.settings, migrationLockTimeoutSeconds: 1 }).then((h) => {
          handle = h;
        }),
      ).rejects.toMatchObject({ code: 'MIGRATION_LOCK_TIMEOUT', message: expect.stringContaining(lock) });
      await handle?.close();
      // Released (or the holder gone): the next start migrates.
      await holder.query('SELECT RELEASE_LOCK(?)', [lock]);
      await openMysql(database);
    });

    it("migrates one database while another database's migration lock is held", async () => {
      const [busy, free] = [await freshMysql(), await freshMysql()];
      const busyLock = migrationLockName(busy.settings.database);
      expect(migrationLockName(free.settings.database)).not.toBe(busyLock);
      const holder = await adminConnection(busy);
      let busyStart: Promise<MysqlDatabaseHandle> | undefined;
      cleanups.push(async () => {
        await holder.end(); // releases the lock if the test failed while holding it
        await (await busyStart?.catch(() => undefined))?.close();
      });
      const [held] = await holder.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 5) AS locked', [busyLock]);
      expect(held[0]?.locked).toBe(1);

      // The busy database's start waits for its lock (seen in the server's process list)...
      let busyOpened = false;
      busyStart = openMysqlDatabase({ settings: busy.settings, migrationLockTimeoutSeconds: 60 }).then(
        (handle) => {
          busyOpened = true;
          return handle;
        },
      );
      await vi.waitFor(
        async () => {
          const [waiting] = await holder.query<mysql.RowDataPacket[]>(
            "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT GET_LOCK(%' AND info LIKE ?",
            [`%${busyLock}%`],
          );
          expect(waiting).toHaveLength(1);
        },
        { timeout: 15_000, interval: 50 },
      );
      // ...while the other database migrates meanwhile without waiting (it would time out after 2 s).
      const freeHandle = await openMysqlDatabase({ settings: free.settings, migrationLockTimeoutSeconds: 2 });
      cleanups.push(() => freeHandle.close());
      const [freeApplied] = await freeHandle.pool.query<mysql.RowDataPacket[]>(
        'select count(*) as n from __drizzle_migrations',
      );
      expect(freeApplied[0]?.n).toBe(1);
      expect(busyOpened).toBe(false);

      await holder.query('SELECT RELEASE_LOCK(?)', [busyLock]);
      const busyHandle = await busyStart;
      const [busyApplied] = await busyHandle.pool.query<mysql.RowDataPacket[]>(
        'select count(*) as n from __drizzle_migrations',
      );
      expect(busyApplied[0]?.n).toBe(1);
    });
  },
);

function adminConnection(database: TestMysqlDatabase): Promise<mysql.Connection> {
  const { host, port, user, password } = database.settings;
  return mysql.createConnection({ host, port, user, password });
}
