/**
 * @module client — opens the SQLite database (better-sqlite3), tunes it, and applies the committed
 * migrations from `backend/drizzle/` so every start leaves the schema current.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
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
  /** Override where migrations are read from (default: found next to this module, see below). */
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

/**
 * The committed migrations live in `backend/drizzle/`. This module runs from `src/db/` (tsx, vitest) or
 * from a bundle in `dist/` (container), so walk up from here until the folder is found.
 */
export function findMigrationsFolder(
  start: string = dirname(fileURLToPath(import.meta.url)),
  /** `drizzle` (SQLite) or `drizzle-mysql` (MySQL). */
  name = 'drizzle',
): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`migrations folder (${name}/meta/_journal.json) not found above ${start}`);
    dir = parent;
  }
}
