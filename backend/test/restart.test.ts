/**
 * Server restarts with a file database: data survives, a session cut by a shutdown has its utterances
 * flushed and stored before the server goes away, and each migration is applied once however often the
 * server starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartAck, TranscriptRecord } from '@realtime-voice/shared/voice';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { findMigrationsFolder } from '../src/db/migrations-folder';
import { connectClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { chunks, concat, loud, quiet } from './support/fake-engine';
import { emptyDir, startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

describe('restart with a file database', () => {
  it('keeps stored results, including those of a session the shutdown interrupted', async () => {
    const file = join(emptyDir(), 'nested', 'dir', 'voice.db'); // the directory is created on start
    const env = { DATABASE_URL: `file:${file}` };
    const token = await tokenFor('gina');

    const first = await startTestServer({ env });
    const socket = await connectClient('ours', first.url, { auth: { token } });
    const started = await socket.ack<StartAck>('start', {});
    expect(started.ok).toBe(true);
    for (const chunk of chunks(concat(loud(300), quiet(400), loud(300)))) socket.emit('audio', chunk);
    await nextEvent(socket, 'result');
    await until(() => first.sessions.activeCount === 1, 5_000, 'active session');
    // Shutdown mid-utterance: the second utterance is flushed and stored before the database closes.
    await first.close();
    socket.close();

    const second = await startTestServer({ env });
    try {
      const response = await fetch(`${second.url}/api/history`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { records: TranscriptRecord[] };
      expect(body.records.map((r) => r.text)).toEqual(['utterance 2', 'utterance 1']);
      expect(new Set(body.records.map((r) => r.sessionId))).toEqual(
        new Set([started.ok ? started.sessionId : '']),
      );
      // Migrations ran once: after three starts on the file, drizzle recorded each committed one once.
      const third = await startTestServer({ env: { ...env } });
      await third.close();
      expect(appliedMigrations(file)).toEqual(committedMigrations());
    } finally {
      await second.close();
    }
  });
});

/** `created_at` of each row of drizzle's migrations table (the migration's `when`), in the order applied. */
function appliedMigrations(file: string): number[] {
  const sqlite = new Database(file, { readonly: true });
  try {
    return sqlite
      .prepare('SELECT created_at FROM __drizzle_migrations ORDER BY id')
      .all()
      .map((row) => Number((row as { created_at: unknown }).created_at));
  } finally {
    sqlite.close();
  }
}

/** The `when` of each migration committed in `backend/drizzle/`. */
function committedMigrations(): number[] {
  const journal = JSON.parse(readFileSync(join(findMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  return journal.entries.map((entry) => entry.when);
}
