/**
 * @module sqlite/client — opens the SQLite database (better-sqlite3), tunes it, and applies the committed
 * migrations from `backend/drizzle/` so every start leaves the schema current.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { findMigrationsFolder } from '../migrations-folder';
import * as schema from './schema';

export type AppDatabase = BetterSQLite3Database<typeof schema>;

export interface DatabaseHandle {
  readonly db: AppDatabase;
  /** The raw connection (for pragmas and health checks). */
  readonly sqlite: Database.Database;
  close(): void;
}

export interface OpenDatabaseOptions {
  /** Absolute file path or `:memory:`. */
  readonly path: string;
  /** Override where migrations are read from (default: `findMigrationsFolder()`, from `../migrations-folder`). */
  readonly migrationsFolder?: string;
}

/**
 * Opens the database and migrates it. The parent directory of a file database is created if missing.
 *
 * @example
 * const { db, close } = openDatabase({ path: ':memory:' });
 */
export function openDatabase(options: OpenDatabaseOptions): DatabaseHandle {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new Database(options.path);
  try {
    // WAL lets readers (history, stats) proceed while a result is being written.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: options.migrationsFolder ?? findMigrationsFolder() });
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
