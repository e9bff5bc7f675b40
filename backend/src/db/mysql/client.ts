/**
 * @module mysql/client — opens the shared MySQL database (mysql2 pool + drizzle) and applies the committed
 * migrations from `backend/drizzle-mysql/`.
 *
 * Several instances start at once on Cloud Hosting (a deploy or a scale-out): each takes the MySQL named
 * lock `realtime_voice.migrate.<database>` (`GET_LOCK`, see `migrationLockName`) on its migration
 * connection, so one migrates while the others wait and then find nothing left to do. Lock names are
 * server-wide, hence the database in the name: two databases on one server migrate independently. The
 * lock is the server's own: it goes away with the connection, so a crashed instance never leaves it held.
 */

import { createHash } from 'node:crypto';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import type { MysqlSettings } from '../../config';
import { findMigrationsFolder } from '../migrations-folder';
import * as schema from './schema';

export type MysqlAppDatabase = MySql2Database<typeof schema>;

export interface MysqlDatabaseHandle {
  readonly db: MysqlAppDatabase;
  readonly pool: mysql.Pool;
  /** Ends the pool (waits for queries in flight). */
  close(): Promise<void>;
}

export interface OpenMysqlOptions {
  readonly settings: MysqlSettings;
  /** Override where migrations are read from (default: `drizzle-mysql/` found above this module). */
  readonly migrationsFolder?: string;
  /** Pool size per instance (default 10). */
  readonly connectionLimit?: number;
  /** How long to wait for another instance's migration (default 60 s). */
  readonly migrationLockTimeoutSeconds?: number;
}

/** A database failure at start, with a code and a message that names the server but never the password. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    readonly code: 'DATABASE_UNAVAILABLE' | 'DATABASE_MISSING' | 'MIGRATION_LOCK_TIMEOUT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MIGRATION_LOCK_PREFIX = 'realtime_voice.migrate';
/** MySQL's longest lock name (counted in bytes here, which is never less than in characters). */
const MAX_LOCK_NAME = 64;

/**
 * The migration lock of `database`: `realtime_voice.migrate.<database>` when that fits MySQL's 64
 * characters, else `realtime_voice.migrate#` and the first 40 hex digits of the name's SHA-256 (a database
 * name never holds `.`, so the two forms never meet).
 *
 * @example
 * migrationLockName('realtime_voice'); // 'realtime_voice.migrate.realtime_voice'
 */
export function migrationLockName(database: string): string {
  const readable = `${MIGRATION_LOCK_PREFIX}.${database}`;
  if (Buffer.byteLength(readable, 'utf8') <= MAX_LOCK_NAME) return readable;
  return `${MIGRATION_LOCK_PREFIX}#${createHash('sha256').update(database, 'utf8').digest('hex').slice(0, 40)}`;
}

/**
 * Connects, creates the database if it is missing and the user may, migrates under a lock, opens the pool.
 *
 * @example
 * const { db, close } = await openMysqlDatabase({ settings: config.mysql });
 */
export async function openMysqlDatabase(options: OpenMysqlOptions): Promise<MysqlDatabaseHandle> {
  const { settings } = options;
  const where = `${settings.user}@${settings.host}:${settings.port}/${settings.database}`;
  const lock = migrationLockName(settings.database);
  const common = {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    // utf8mb4 on the wire too: transcripts may hold any Unicode text.
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 10_000,
  } satisfies mysql.ConnectionOptions;

  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection(common);
  } catch (error) {
    throw new DatabaseError('DATABASE_UNAVAILABLE', `cannot connect to MySQL ${where}: ${reason(error)}`, {
      cause: error,
    });
  }
  try {
    await useDatabase(connection, settings.database, where);
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS locked', [
      lock,
      options.migrationLockTimeoutSeconds ?? 60,
    ]);
    if (rows[0]?.locked !== 1) {
      throw new DatabaseError(
        'MIGRATION_LOCK_TIMEOUT',
        `another instance held the migration lock '${lock}' of ${where} for too long; is a migration stuck?`,
      );
    }
    try {
      await migrate(drizzle(connection), {
        migrationsFolder: options.migrationsFolder ?? findMigrationsFolder(undefined, 'drizzle-mysql'),
      });
    } finally {
      // Must not hide a migration error; a lock it could not release goes with the connection below.
      await connection.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => connection.destroy());
  }

  const pool = mysql.createPool({
    ...common,
    database: settings.database,
    connectionLimit: options.connectionLimit ?? 10,
    waitForConnections: true,
    // Cloud Hosting's network drops idle TCP connections; keep-alive and a bounded idle time avoid
    // handing a dead connection to a request.
    enableKeepAlive: true,
    maxIdle: 2,
    idleTimeout: 60_000,
  });
  return {
    db: drizzle(pool, { schema, mode: 'default' }),
    pool,
    close: () => pool.end(),
  };
}

/** Selects the database, creating it (utf8mb4) first when the user is allowed to. */
async function useDatabase(connection: mysql.Connection, database: string, where: string): Promise<void> {
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } catch {
    // No CREATE privilege: fine when an administrator created it; USE below says if not.
  }
  try {
    await connection.query(`USE ${mysql.escapeId(database)}`);
  } catch (error) {
    throw new DatabaseError(
      'DATABASE_MISSING',
      `MySQL database ${where} does not exist and could not be created (create it, or grant CREATE): ${reason(error)}`,
      { cause: error },
    );
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
