/**
 * @module services — the run's real MariaDB and Redis (started by `global-services.ts`) for tests: a fresh
 * MySQL database per call, so test files never see each other's rows, and the Redis URL.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import type { MysqlSettings } from '../../src/config';

/** Undefined when MariaDB is not available here; `mysqlUnavailable` says why. */
export const mysqlAdminUrl: string | undefined = inject('mysqlAdminUrl');
export const redisUrl: string | undefined = inject('redisUrl');
// Without the global setup (vitest started with `backend/vitest.config.ts` alone) nothing was provided:
// say so in the skipped tests' names instead of failing to load the file.
const NO_SETUP = 'the test services were not started: run vitest from the repository root';
const unavailable = inject('servicesUnavailable') ?? { mysql: NO_SETUP, redis: NO_SETUP };
export const mysqlUnavailable = mysqlAdminUrl === undefined ? (unavailable.mysql ?? NO_SETUP) : undefined;
export const redisUnavailable = redisUrl === undefined ? (unavailable.redis ?? NO_SETUP) : undefined;

export interface TestMysqlDatabase {
  readonly settings: MysqlSettings;
  /** `mysql://…` for `DATABASE_URL`. */
  readonly url: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

/**
 * A new, empty database on the run's MariaDB (not created here: the server creates it on start, as it
 * would on Cloud Hosting). Throws when MariaDB is unavailable.
 *
 * @example
 * const database = testMysqlDatabase();
 * const server = await startTestServer({ env: { DATABASE_URL: database.url } });
 */
export function testMysqlDatabase(): TestMysqlDatabase {
  if (!mysqlAdminUrl) throw new Error(`MariaDB unavailable: ${mysqlUnavailable}`);
  const admin = new URL(mysqlAdminUrl);
  const name = `rv_test_${randomBytes(6).toString('hex')}`;
  const settings: MysqlSettings = {
    host: admin.hostname,
    port: Number(admin.port),
    user: decodeURIComponent(admin.username),
    password: decodeURIComponent(admin.password),
    database: name,
  };
  return {
    settings,
    url: `mysql://${admin.username}${admin.password ? `:${admin.password}` : ''}@${admin.host}/${name}`,
    async drop() {
      const connection = await mysql.createConnection({
        host: settings.host,
        port: settings.port,
        user: settings.user,
        password: settings.password,
      });
      try {
        await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
      } finally {
        await connection.end();
      }
    },
  };
}
