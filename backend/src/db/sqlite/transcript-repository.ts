/**
 * @module sqlite/transcript-repository — the SQLite implementation of `TranscriptRepository` (drizzle +
 * better-sqlite3), the embedded default.
 */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import {
  EMPTY_TOTALS,
  localTime,
  ownRecord,
  pageOf,
  pageWhere,
  roundTotals,
  type TranscriptRepository,
  toRecord,
  totalsColumns,
} from '../transcript-repository';
import type { AppDatabase } from './client';
import { transcripts } from './schema';

/**
 * The SQLite implementation (drizzle + better-sqlite3).
 *
 * @example
 * const repository = createSqliteTranscriptRepository(openDatabase({ path: ':memory:' }).db);
 */
export function createSqliteTranscriptRepository(db: AppDatabase): TranscriptRepository {
  const totals = totalsColumns(transcripts);

  return {
    async insert(record) {
      db.insert(transcripts)
        .values({ ...record, createdAt: Date.parse(record.createdAt) })
        .run();
    },

    async list(userId, { limit, before }) {
      // One extra row tells whether another page exists without a count query.
      const rows = db
        .select()
        .from(transcripts)
        .where(pageWhere(transcripts, userId, before))
        .orderBy(desc(transcripts.createdAt), desc(transcripts.id))
        .limit(limit + 1)
        .all();
      return pageOf(rows, limit);
    },

    async get(userId, id) {
      const row = db
        .select()
        .from(transcripts)
        .where(ownRecord(transcripts, userId, id))
        .get();
      return row ? toRecord(row) : undefined;
    },

    async delete(userId, id) {
      const result = db
        .delete(transcripts)
        .where(ownRecord(transcripts, userId, id))
        .run();
      return result.changes > 0;
    },

    async stats(userId, { since, offsets }) {
      const mine = eq(transcripts.userId, userId);
      const all = db.select(totals).from(transcripts).where(mine).get();
      const byEngine = db
        .select({ engine: transcripts.engine, ...totals })
        .from(transcripts)
        .where(mine)
        .groupBy(transcripts.engine)
        .orderBy(desc(sql`count(*)`), transcripts.engine)
        .all();
      const local = localTime(transcripts.createdAt, offsets);
      const day = sql<string>`strftime('%Y-%m-%d', (${local}) / 1000, 'unixepoch')`;
      const byDay = db
        .select({ day, ...totals })
        .from(transcripts)
        .where(and(mine, gte(transcripts.createdAt, since)))
        .groupBy(day)
        .orderBy(desc(day))
        .all();
      return {
        totals: roundTotals(all ?? EMPTY_TOTALS),
        byEngine: byEngine.map(roundTotals),
        byDay: byDay.map(roundTotals),
      };
    },

    async ping() {
      db.run(sql`select 1`);
    },
  };
}
