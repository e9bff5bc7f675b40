/**
 * Server restarts with a file database: data survives, and a session cut by a shutdown has its utterances
 * flushed and stored before the server goes away.
 */
import { join } from 'node:path';
import type { StartAck, TranscriptRecord } from '@realtime-voice/shared/voice';
import { describe, expect, it } from 'vitest';
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
      // Migrations ran once; running them again on start is a no-op.
      const third = await startTestServer({ env: { ...env } });
      await third.close();
    } finally {
      await second.close();
    }
  });
});
