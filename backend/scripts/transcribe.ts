/**
 * @module transcribe — command-line client of the whole path: streams a WAV file to a running server
 * through our Socket.IO client, at real-time pace (or `--fast`), and prints partials and finals.
 *
 *   npm run transcribe -- <file.wav> [--url http://127.0.0.1:3000] [--fast] [--token T]
 *                         [--engine NAME] [--language TAG]
 *
 * Finals go to stdout (one line each), partials and status to stderr, so `> out.txt` keeps the text.
 * The token may also come from REALTIME_VOICE_TOKEN. Exit codes: 0 done, 1 usage/file error, 2 server error.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { io, webSocketTransport } from '@realtime-voice/shared/socketio';
import {
  VOICE_NAMESPACE,
  type VoiceClientToServerEvents,
  type VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import WebSocket from 'ws';
import { parseWav, requireSpeechFormat } from '../src/speech';

const CHUNK_MS = 100;
const BYTES_PER_CHUNK = CHUNK_MS * 32;

const USAGE =
  'usage: npm run transcribe -- <file.wav> [--url http://127.0.0.1:3000] [--fast] [--token T] [--engine NAME] [--language TAG]';

function fail(code: number, message: string): never {
  process.stderr.write(`transcribe: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli();
  } catch (error) {
    fail(1, `${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) fail(1, USAGE);
  // npm runs workspace scripts in the workspace folder; paths are meant relative to where the user typed.
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);

  let pcm: Uint8Array;
  try {
    const wav = parseWav(new Uint8Array(await readFile(path)));
    requireSpeechFormat(wav);
    pcm = wav.pcm;
  } catch (error) {
    fail(1, `${path}: ${error instanceof Error ? error.message : String(error)}`);
  }

  const base = (values.url ?? process.env.REALTIME_VOICE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const token = values.token ?? process.env.REALTIME_VOICE_TOKEN;
  const socket = io<VoiceServerToClientEvents, VoiceClientToServerEvents>(`${base}${VOICE_NAMESPACE}`, {
    transport: webSocketTransport(WebSocket),
    reconnection: false,
    ...(token ? { auth: { token } } : {}),
  });
  const tty = process.stderr.isTTY === true;
  let partialShown = false;
  const clearPartial = () => {
    if (tty && partialShown) process.stderr.write('\r\x1b[2K');
    partialShown = false;
  };

  socket.on('partial', ({ text }) => {
    if (tty) {
      process.stderr.write(`\r\x1b[2K… ${text}`);
      partialShown = true;
    } else process.stderr.write(`partial: ${text}\n`);
  });
  socket.on('result', ({ record }) => {
    clearPartial();
    process.stdout.write(`${record.text}\n`);
    process.stderr.write(
      `  [${(record.audioMs / 1000).toFixed(1)} s of audio, final ${record.latencyMs} ms after its end]\n`,
    );
  });
  socket.on('session-error', ({ code, message }) => {
    clearPartial();
    process.stderr.write(`server: ${code}: ${message}\n`);
  });

  await new Promise<void>((resolveConnect) => {
    socket.once('connect', () => resolveConnect());
    socket.once('connect_error', (error) => fail(2, `cannot connect to ${base}: ${error.message}`));
  });

  const started = await socket.timeout(30_000).emitWithAck('start', {
    sampleRate: 16_000,
    ...(values.engine ? { engine: values.engine } : {}),
    ...(values.language ? { language: values.language } : {}),
  });
  if (!started.ok) fail(2, `start refused: ${started.error.code}: ${started.error.message}`);
  const seconds = pcm.byteLength / 32_000;
  process.stderr.write(
    `streaming ${seconds.toFixed(1)} s of audio ${values.fast ? 'as fast as possible' : 'at real-time pace'} (session ${started.sessionId})\n`,
  );

  const began = performance.now();
  for (let offset = 0, index = 0; offset < pcm.byteLength; offset += BYTES_PER_CHUNK, index += 1) {
    if (!values.fast) {
      // Pace against the start time, not the previous chunk, so timer drift does not accumulate.
      const due = began + index * CHUNK_MS - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
    socket.emit('audio', pcm.slice(offset, offset + BYTES_PER_CHUNK));
  }

  const stopped = await socket.timeout(120_000).emitWithAck('stop');
  clearPartial();
  socket.disconnect();
  if (!stopped.ok) fail(2, `stop failed: ${stopped.error.code}: ${stopped.error.message}`);
  process.stderr.write(
    `done: ${stopped.records.length} utterance(s) in ${((performance.now() - began) / 1000).toFixed(1)} s\n`,
  );
}

function parseCli() {
  return parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      fast: { type: 'boolean', default: false },
      token: { type: 'string' },
      engine: { type: 'string' },
      language: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

main().catch((error: unknown) => fail(2, error instanceof Error ? error.message : String(error)));
