/**
 * @module sqlite/schema — the only place the database schema changes (with its MySQL twin,
 * `../mysql/schema.ts`). After editing, run `npm run db:generate -w @realtime-voice/backend` and commit the
 * generated migration in `backend/drizzle/` (never hand-edit it).
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One finished utterance (`TranscriptRecord` in the voice contract). */
export const transcripts = sqliteTable(
  'transcripts',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    sessionId: text('session_id').notNull(),
    text: text('text').notNull(),
    language: text('language').notNull(),
    engine: text('engine').notNull(),
    audioMs: integer('audio_ms').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    /** Epoch milliseconds (UTC); an integer sorts and groups by day cheaply. */
    createdAt: integer('created_at').notNull(),
  },
  // History pages and stats always filter by user and order by time; `id` breaks ties for the cursor.
  (table) => [index('transcripts_user_created_idx').on(table.userId, table.createdAt, table.id)],
);

export type TranscriptRow = typeof transcripts.$inferSelect;
