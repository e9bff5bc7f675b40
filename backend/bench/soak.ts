/**
 * @module soak — `npm run soak`: the real server (its own process: signed tokens, anonymous use off, the
 * real pocketsphinx engine, a temp SQLite file, 127.0.0.1, a free port) held for a while under
 * 1,000 idle Socket.IO connections and 10 live voice sessions of our client. Each live session loops:
 * `start`, flite speech streamed at real time (100 ms chunks), `stop`. A `start` refused by a capacity
 * limit (`ENGINE_BUSY`, `LIMIT_SESSIONS`) leaves that slot idle — "as many as the caps allow".
 *
 * Reports errors (must be 0), server RSS over time, partial and final delays (`soak-report.ts`), then stops
 * by itself. Usage: `npm run soak [-- --seconds 600] [--idle 1000] [--live 10]` (idle ≤ 5,000, live ≤ 50,
 * seconds ≤ 7,200). Exits 1 when there were errors.
 */
import { cpus, loadavg } from 'node:os';
import type { Socket } from '@realtime-voice/shared/socketio';
import type { StartAck, StopAck, VoiceError } from '@realtime-voice/shared/voice';
import { errorMessage } from '../src/errors';
import { concatWithSilence, streamAtRealTime, synthesizeSpeech } from '../test/support/speech-audio';
import { connectVoiceClient, rssBytes, startSecuredServer } from './server-process';
import { CAPACITY_CODES, createSoakRecorder, formatSoakReport, type SoakRecorder } from './soak-report';

const SENTENCES = [
  'how many miles is it to the nearest station',
  'what is the weather like today',
  'turn on the lights in the kitchen please',
];

function arg(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`${name}: expected 0…${max}`);
  return value;
}

interface Clip {
  readonly pcm: Uint8Array;
  readonly speechEndMs: number;
}

/** `start` / `stop` with a 20 s bound; an ack that never comes is an error (the slot goes on). */
async function ask<T>(
  socket: Socket,
  event: 'start' | 'stop',
  recorder: SoakRecorder,
): Promise<T | undefined> {
  const began = performance.now();
  try {
    const args = event === 'start' ? [{}] : [];
    return (await socket.timeout(20_000).emitWithAck(event, ...args)) as T;
  } catch (error) {
    recorder.error(event, `no ack after ${Math.round(performance.now() - began)} ms (${String(error)})`);
    return undefined;
  }
}

/** One live slot: start → speech at real time → stop, until `end`; every deviation is an error. */
async function liveSession(
  socket: Socket,
  clips: readonly Clip[],
  end: number,
  recorder: SoakRecorder,
  offset: number,
): Promise<void> {
  let lastChunkAt = performance.now();
  let resultAt: number | undefined;
  socket.on('partial', () => recorder.partialDelay(performance.now() - lastChunkAt));
  socket.on('result', () => {
    resultAt ??= performance.now();
  });
  socket.on('session-error', (error: VoiceError) =>
    recorder.error('session-error', `${error.code}: ${error.message}`),
  );
  for (let round = offset; Date.now() < end; round++) {
    const clip = clips[round % clips.length] as Clip;
    const started = await ask<StartAck>(socket, 'start', recorder);
    if (!started?.ok) {
      if (started && CAPACITY_CODES.has(started.error.code)) {
        recorder.refusedByCapacity(started.error.code);
        return;
      }
      if (started) recorder.error('start', `${started.error.code}: ${started.error.message}`);
      // A start answered too late may still have opened a session: end it before trying again.
      await socket
        .timeout(20_000)
        .emitWithAck('stop')
        .catch(() => undefined);
      continue;
    }
    resultAt = undefined;
    let speechEndSentAt = performance.now();
    await streamAtRealTime(clip.pcm, 100, (chunk, index) => {
      socket.emit('audio', chunk);
      lastChunkAt = performance.now();
      if (index * 100 <= clip.speechEndMs) speechEndSentAt = lastChunkAt;
    });
    const stopped = await ask<StopAck>(socket, 'stop', recorder);
    if (!stopped) continue;
    if (!stopped.ok) recorder.error('stop', `${stopped.error.code}: ${stopped.error.message}`);
    else if (resultAt === undefined && stopped.records.length === 0)
      recorder.error('no-result', clip.pcm.length.toString());
    if (resultAt !== undefined) recorder.finalDelay(resultAt - speechEndSentAt);
    recorder.utterance();
  }
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 600, 7_200);
  const idleCount = arg('--idle', 1_000, 5_000);
  const liveCount = arg('--live', 10, 50);
  console.log(
    `soak: ${idleCount} idle + ${liveCount} live for ${seconds} s on 127.0.0.1; ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const clips: Clip[] = [];
  for (const text of SENTENCES) {
    const { pcm, segments } = concatWithSilence([(await synthesizeSpeech(text)).pcm], {
      leadMs: 300,
      tailMs: 1200,
    });
    clips.push({ pcm, speechEndMs: segments[0]?.speechEndMs ?? 0 });
  }

  const server = await startSecuredServer('rv-soak-');
  const { child } = server;
  const recorder = createSoakRecorder();
  const sockets: Socket[] = [];
  let stopping = false;
  const began = Date.now();
  const sampleRss = () => recorder.rss((Date.now() - began) / 1000, rssBytes(child.pid));
  const sampler = setInterval(sampleRss, Math.max(5, Math.round(seconds / 20)) * 1000);
  const token = (user: string) => server.token(user, seconds + 3_600);
  const watch = (socket: Socket) => {
    sockets.push(socket);
    socket.on('disconnect', (reason: string) => {
      if (!stopping) recorder.error('disconnect', reason);
    });
  };
  try {
    sampleRss();
    for (let opened = 0; opened < idleCount; ) {
      const batch = Math.min(100, idleCount - opened);
      const results = await Promise.allSettled(
        Array.from({ length: batch }, async (_, i) =>
          connectVoiceClient(child.url, { token: await token(`idle-${(opened + i) % 100}`) }),
        ),
      );
      for (const result of results) {
        if (result.status === 'fulfilled') watch(result.value);
        else recorder.error('connect', String(result.reason));
      }
      opened += batch;
    }
    console.log(
      `  ${sockets.length} idle sockets open; RSS ${(rssBytes(child.pid) / 1024 / 1024).toFixed(0)} MiB`,
    );
    const end = began + seconds * 1000;
    await Promise.all(
      Array.from({ length: liveCount }, async (_, i) => {
        try {
          const socket = await connectVoiceClient(child.url, { token: await token(`live-${i}`) });
          watch(socket);
          await liveSession(socket, clips, end, recorder, i);
        } catch (error) {
          recorder.error('live', errorMessage(error));
        }
      }),
    );
    // Slots refused by capacity (or that failed) wait here: the soak lasts `seconds` either way.
    const left = end - Date.now();
    if (left > 0) await new Promise((done) => setTimeout(done, left));
    sampleRss();
    if (!child.alive) recorder.error('server', 'the server process exited');
  } finally {
    stopping = true;
    clearInterval(sampler);
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
  const summary = recorder.summary();
  const lines = formatSoakReport(summary, { idle: idleCount, live: liveCount, seconds });
  console.log(lines.join('\n'));
  process.exit(summary.errors === 0 && summary.utterances > 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error('soak: failed:', error);
  process.exit(2);
});
