/**
 * Issue 12 §4: one SIGTERM (or Ctrl-C) to the process group of `npm start` — what systemd and a terminal
 * send — must always drain: the utterance cut mid-way is flushed and stored, the client gets
 * `SERVER_RESTARTING`, the process exits 0. Every process of the group gets the signal, and each `npm`
 * layer forwards it to its child once more, so the server sees it several times within milliseconds; it
 * used to take the second copy as "exit now" about half the time (and `tsx`'s relay could SIGKILL it).
 *
 * Tested exactly that way: `npm start` from the repository root, detached in its own process group, with a
 * temp SQLite file, a free port and the real pocketsphinx engine, a live session streaming flite speech,
 * then `process.kill(-pid, 'SIGTERM')`. Repeated (8 runs, two at a time) so a 50% race fails the test with
 * a probability of 1 − 2⁻⁸; one run sends SIGINT instead (Ctrl-C).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { StartAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_DIR } from '../src/config';
import { connectClient, type TestClient } from './support/clients';
import { nextEvent } from './support/events';
import { instanceEnv } from './support/instances';
import { emptyDir } from './support/server';
import { type SynthesizedSpeech, synthesizeSpeech } from './support/speech-audio';
import { tokenFor } from './support/tokens';

const REPO_DIR = resolve(BACKEND_DIR, '..');
const RUNS = 8;
const AT_ONCE = 2;

let speech: SynthesizedSpeech;
beforeAll(async () => {
  speech = await synthesizeSpeech('how many miles is it to the nearest station');
});

const groups: ChildProcess[] = [];
const clients: TestClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const child of groups.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    }
  }
});

interface NpmStart {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
}

/** `npm start` in a new process group; resolves once the server logged `server.listening`. */
function npmStart(env: Record<string, string>): Promise<NpmStart> {
  const child = spawn('npm', ['start'], {
    cwd: REPO_DIR,
    detached: true,
    env: instanceEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.push(child);
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const collect = (data: Buffer) => {
    output = (output + data.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start did not listen in 60 s:\n${output}`)), 60_000);
    void exited.then((code) => fail(new Error(`npm start exited (${code}) before listening:\n${output}`)));
    child.stdout?.on('data', () => {
      const match = /"event":"server\.listening".*?"url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done({ child, url: match[1], exited, output: () => output });
      }
    });
  });
}

/** One run: a live session cut by one signal to the whole group; returns what must hold. */
async function run(index: number, signal: 'SIGTERM' | 'SIGINT') {
  const file = join(emptyDir(), 'voice.db');
  const server = await npmStart({ DATABASE_URL: `file:${file}`, SHUTDOWN_TIMEOUT_SECONDS: '20' });
  const client = await connectClient('ours', server.url, {
    auth: { token: await tokenFor(`group-${index}`) },
  });
  clients.push(client);
  const events: string[] = [];
  const results: TranscriptRecord[] = [];
  client.on('result', ({ record }: { record: TranscriptRecord }) => {
    results.push(record);
    events.push('result');
  });
  client.on('session-error', (error: VoiceError) => events.push(`session-error:${error.code}`));
  const disconnected = nextEvent<string>(client, 'disconnect', 40_000);
  const started = await client.ack<StartAck>('start', {});
  if (!started.ok) throw new Error(`start failed: ${started.error.code}`);
  // Speaking: two thirds of the sentence, so the signal cuts the utterance mid-way; a partial proves the
  // engine is inside it.
  const partial = nextEvent(client, 'partial', 20_000);
  const cut = speech.pcm.subarray(0, Math.floor((speech.pcm.length * 2) / 3) & ~1);
  for (let offset = 0; offset < cut.length; offset += 3200)
    client.emit('audio', cut.subarray(offset, offset + 3200));
  await partial;

  process.kill(-(server.child.pid ?? 0), signal);
  const code = await server.exited;
  const reason = await disconnected;
  const sqlite = new Database(file, { readonly: true });
  const stored = sqlite
    .prepare('SELECT id FROM transcripts WHERE session_id = ?')
    .all(started.sessionId)
    .map((row) => (row as { id: string }).id);
  sqlite.close();
  return { code, reason, events, results, stored, output: server.output() };
}

describe('one signal to the process group of `npm start`', () => {
  it(`always drains (${RUNS} runs)`, async () => {
    const outcomes: Awaited<ReturnType<typeof run>>[] = [];
    for (let first = 0; first < RUNS; first += AT_ONCE) {
      const batch = Array.from({ length: AT_ONCE }, (_, i) => first + i);
      outcomes.push(...(await Promise.all(batch.map((i) => run(i, i === RUNS - 1 ? 'SIGINT' : 'SIGTERM')))));
    }
    const summary = outcomes.map((o) => ({
      code: o.code,
      reason: o.reason,
      events: o.events,
      storedTheResults: o.results.length > 0 && o.results.every((r) => o.stored.includes(r.id)),
      forced: o.output.includes('server.forced_exit'),
    }));
    const expected = {
      code: 0,
      reason: 'transport close',
      events: ['result', 'session-error:SERVER_RESTARTING'],
      storedTheResults: true,
      forced: false,
    };
    expect(summary).toEqual(Array.from({ length: RUNS }, () => expected));
  }, 240_000);
});
