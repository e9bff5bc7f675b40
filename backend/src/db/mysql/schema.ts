/**
 * @module mysql/schema — the MySQL twin of `../sqlite/schema.ts` (same table, same columns, same index),
 * for the shared database of several instances. Change both together, then generate both migrations (in `backend/`):
 * `npx drizzle-kit generate` (SQLite → `drizzle/`) and `npx drizzle-kit generate --config
 * drizzle-mysql.config.ts` (MySQL → `drizzle-mysql/`); commit them, never hand-edit them.
 */
import { bigint, customType, index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';

/**
 * Strings compared byte for byte, whatever the database's default collation: with MySQL's usual
 * case-insensitive `utf8mb4_*_ci`, the openids `oAbC` and `oabc` would be one user (and share a history),
 * and cursors would order ids differently from SQLite.
 */
const exactString = (length: number) =>
  customType<{ data: string; driverData: string }>({
    dataType: () => `varchar(${length}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  });

/** Transcript text in utf8mb4 (Chinese, emoji) even when the database's default charset is latin1. */
const unicodeText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
});

/** One finished utterance (`TranscriptRecord` in the voice contract). */
export const transcripts = mysqlTable(
  'transcripts',
  {
    // varchar, not text: MySQL indexes only bounded strings. UUIDs are 36; user ids (openids, token
    // subjects) are far below 191, the longest utf8mb4 key prefix older InnoDB row formats allow.
    id: exactString(64)('id').primaryKey(),
    userId: exactString(191)('user_id').notNull(),
    sessionId: exactString(64)('session_id').notNull(),
    text: unicodeText('text').notNull(),
    language: varchar('language', { length: 35 }).notNull(),
    engine: varchar('engine', { length: 64 }).notNull(),
    audioMs: int('audio_ms').notNull(),
    latencyMs: int('latency_ms').notNull(),
    /** Epoch milliseconds (UTC), as in SQLite: one cursor format and day grouping for both dialects. */
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (table) => [index('transcripts_user_created_idx').on(table.userId, table.createdAt, table.id)],
);

export type MysqlTranscriptRow = typeof transcripts.$inferSelect;
