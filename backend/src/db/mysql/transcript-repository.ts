/**
 * @module mysql/transcript-repository — the MySQL implementation of `TranscriptRepository` (drizzle +
 * mysql2), for the database that several instances share. Same behaviour as the SQLite one, checked by the
 * same tests: newest-first pages with an `(createdAt, id)` cursor, per-user access, totals per engine and
 * per local day of the caller's time zone.
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
import type { MysqlAppDatabase } from './client';
import { transcripts } from './schema';

/**
 * @example
 * const repository = createMysqlTranscriptRepository((await openMysqlDatabase({ settings })).db);
 */
export function createMysqlTranscriptRepository(db: MysqlAppDatabase): TranscriptRepository {
  // mysql2 returns SUM and AVG as DECIMAL strings: the shared columns map them to numbers.
  const totals = totalsColumns(transcripts);

  return {
    async insert(record) {
      await db.insert(transcripts).values({ ...record, createdAt: Date.parse(record.createdAt) });
    },

    async list(userId, { limit, before }) {
      const rows = await db
        .select()
        .from(transcripts)
        .where(pageWhere(transcripts, userId, before))
        .orderBy(desc(transcripts.createdAt), desc(transcripts.id))
        .limit(limit + 1);
      return pageOf(rows, limit);
    },

    async get(userId, id) {
      const [row] = await db
        .select()
        .from(transcripts)
        .where(ownRecord(transcripts, userId, id))
        .limit(1);
      return row ? toRecord(row) : undefined;
    },

    async delete(userId, id) {
      const [result] = await db.delete(transcripts).where(ownRecord(transcripts, userId, id));
      return result.affectedRows > 0;
    },

    async stats(userId, { since, offsets }) {
      const mine = eq(transcripts.userId, userId);
      const [all] = await db.select(totals).from(transcripts).where(mine);
      const byEngine = await db
        .select({ engine: transcripts.engine, ...totals })
        .from(transcripts)
        .where(mine)
        .groupBy(transcripts.engine)
        .orderBy(desc(sql`count(*)`), transcripts.engine);
      // Date arithmetic from the epoch, not FROM_UNIXTIME: the latter uses the session's time zone.
      const local = localTime(transcripts.createdAt, offsets);
      const day = sql<string>`date_format(date_add('1970-01-01', interval floor((${local}) / 1000) second), '%Y-%m-%d')`;
      const byDay = await db
        .select({ day, ...totals })
        .from(transcripts)
        .where(and(mine, gte(transcripts.createdAt, since)))
        .groupBy(day)
        .orderBy(desc(day));
      return {
        totals: roundTotals(all ?? EMPTY_TOTALS),
        byEngine: byEngine.map(roundTotals),
        byDay: byDay.map(roundTotals),
      };
    },

    async ping() {
      await db.execute(sql`select 1`);
    },
  };
}
