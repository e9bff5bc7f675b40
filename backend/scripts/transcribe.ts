/**
 * @module transcribe — command-line client of the whole path: streams a WAV file to a running server
 * through our Socket.IO client, at real-time pace (or `--fast`), and prints partials and finals.
 *
 *   npm run transcribe -- <file.wav> [--url http://127.0.0.1:3000] [--fast] [--token T]
 *                         [--engine NAME] [--language TAG]
 *
 * Finals go to stdout (one line each), partials and status to stderr, so `> out.txt` keeps the text.
 * The token may also come from REALTIME_VOICE_TOKEN, the URL from REALTIME_VOICE_URL (`http(s)://host:port`,
 * optionally ending in `/realtime-voice`; a query string is kept). Ctrl-C stops streaming and waits for the
 * finals of what was sent (the server stores them anyway); a second Ctrl-C quits at once.
 * Exit codes: 0 done, 1 usage/file error, 2 server error (refused, connection lost, session ended early),
 * 130 interrupted.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  VOICE_NAMESPACE,
  type VoiceClientToServerEvents,
  type VoiceError,
  type VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { io, webSocketTransport } from 'socket.io-miniprogram';
import WebSocket from 'ws';
import { parseWav, requireSpeechFormat } from '../src/audio/wav';
import { errorMessage } from '../src/errors';

const CHUNK_MS = 100;
const BYTES_PER_CHUNK = CHUNK_MS * 32;

const USAGE =
  'usage: npm run transcribe -- <file.wav> [--url http://127.0.0.1:3000] [--fast] [--token T] [--engine NAME] [--language TAG]';

const HELP = `${USAGE}

Streams a WAV file to a running server through this repository's Socket.IO client, at real-time pace,
and prints what the server recognises: final texts on stdout (one line each), partials and status on
stderr, so \`> out.txt\` keeps only the text. The server stores every result in the user's history.

  <file.wav>        16 kHz, mono, 16-bit PCM WAV, relative to the folder you typed the command in.
                    Anything else (8 kHz, 44.1 kHz, stereo, 24-bit, mp3 …) is refused with the sox and
                    ffmpeg commands that convert it.
  --url URL         the server: http(s)://host:port, optionally ending in /realtime-voice
                    (default: $REALTIME_VOICE_URL, else http://127.0.0.1:3000)
  --fast            send the audio as fast as the connection takes it instead of at real-time pace
  --token T         bearer token for a server that does not let anonymous callers in
                    (default: $REALTIME_VOICE_TOKEN; mint one with \`npm run token -- <userId>\`)
  --engine NAME     speech engine for this session: pocketsphinx, sherpa-onnx or tencent
                    (default: the server's ASR_ENGINE); an engine the server cannot run is refused
  --language TAG    language of the speech, e.g. en-US or zh-CN (default: the engine's first language)
  -h, --help        this text

Ctrl-C stops streaming and waits for the finals of what was sent; a second Ctrl-C quits at once.
Exit codes: 0 done, 1 usage or file error, 2 server error (refused, connection lost, session ended
early), 130 interrupted.
`;

/** Quotes a path for a POSIX shell (bash, zsh; Git Bash on Windows). */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The exact commands that turn `file` into what the server takes (16 kHz mono 16-bit PCM WAV), written
 * beside it as `<name>-16k-mono.wav`: sox resamples and mixes the channels down, ffmpeg also reads mp3,
 * m4a and the rest.
 */
function conversionHint(file: string): string {
  const output = `${file.replace(/\.wav$/i, '')}-16k-mono.wav`;
  return [
    'convert it to 16 kHz mono 16-bit PCM with either of:',
    `  sox ${shellQuote(file)} -r 16000 -c 1 -b 16 -e signed-integer ${shellQuote(output)}`,
    `  ffmpeg -i ${shellQuote(file)} -ar 16000 -ac 1 -c:a pcm_s16le ${shellQuote(output)}`,
    `then run: npm run transcribe -- ${shellQuote(output)}`,
  ].join('\n');
}

/** Clears a partial shown in place on a terminal; set once the socket exists. */
let clearPartial = (): void => {};

function fail(code: number, message: string): never {
  clearPartial();
  process.stderr.write(`transcribe: ${message}\n`);
  process.exit(code);
}

/**
 * The namespace URL for a server address: `http://host:3000/?v=1` → `http://host:3000/realtime-voice?v=1`.
 * The namespace is the URL's path (as in socket.io-client), so any other path is refused.
 */
function namespaceUrl(base: string): string {
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    url = undefined;
  }
  // `localhost:3000` parses as the scheme `localhost:`.
  if (!url || !/^(https?|wss?):$/.test(url.protocol)) {
    throw new Error(`--url ${base}: give the server as http(s)://host:port, e.g. http://127.0.0.1:3000`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== VOICE_NAMESPACE) {
    throw new Error(`--url ${base}: the path can only be ${VOICE_NAMESPACE} (the namespace), not ${path}`);
  }
  url.pathname = VOICE_NAMESPACE;
  url.hash = '';
  return url.href;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli();
  } catch (error) {
    fail(1, `${errorMessage(error)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) fail(1, USAGE);
  const base = values.url ?? process.env.REALTIME_VOICE_URL ?? 'http://127.0.0.1:3000';
  let url: string;
  try {
    url = namespaceUrl(base);
  } catch (error) {
    fail(1, `${errorMessage(error)}\n${USAGE}`);
  }
  // Paths are meant relative to where the user typed: npm sets INIT_CWD to it (the script runs elsewhere).
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);

  let pcm: Uint8Array;
  try {
    const wav = parseWav(new Uint8Array(await readFile(path)));
    requireSpeechFormat(wav);
    pcm = wav.pcm;
  } catch (error) {
    const message = `${path}: ${errorMessage(error)}`;
    // A readable file in another format (not a missing file or a folder): say how to convert it.
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    const convertible = code === 'WAV_UNSUPPORTED_FORMAT' || code === 'WAV_NOT_RIFF';
    fail(1, convertible ? `${message}\n${conversionHint(file)}` : message);
  }

  const token = values.token ?? process.env.REALTIME_VOICE_TOKEN;
  const socket = io<VoiceServerToClientEvents, VoiceClientToServerEvents>(url, {
    transport: webSocketTransport(WebSocket),
    reconnection: false,
    ...(token ? { auth: { token } } : {}),
  });
  const tty = process.stderr.isTTY === true;
  let partialShown = false;
  clearPartial = () => {
    if (tty && partialShown) process.stderr.write('\r\x1b[2K');
    partialShown = false;
  };
  let stored = 0;
  /** Why the session ended before `stop` (engine failure, a limit): the run is then not "done". */
  let endedEarly: VoiceError | undefined;
  let inSession = false;
  let interrupted = false;
  let wake: (() => void) | undefined;

  // Ctrl-C: stop streaming and wait for the finals of what was sent (stored by the server anyway); a
  // second Ctrl-C, or one before the session started, quits at once.
  process.on('SIGINT', () => {
    if (!inSession || interrupted) fail(130, 'interrupted');
    interrupted = true;
    clearPartial();
    process.stderr.write(
      'interrupted: stopping the session for its last finals (Ctrl-C again to quit at once)\n',
    );
    wake?.();
  });

  socket.on('partial', ({ text }) => {
    if (tty) {
      process.stderr.write(`\r\x1b[2K… ${text}`);
      partialShown = true;
    } else process.stderr.write(`partial: ${text}\n`);
  });
  socket.on('result', ({ record }) => {
    clearPartial();
    stored += 1;
    process.stdout.write(`${record.text}\n`);
    process.stderr.write(
      `  [${(record.audioMs / 1000).toFixed(1)} s of audio, final ${record.latencyMs} ms after its end]\n`,
    );
  });
  socket.on('session-error', ({ code, message }) => {
    clearPartial();
    process.stderr.write(`server: ${code}: ${message}\n`);
    // NO_SESSION only follows the error that ended the session (audio still arriving after it).
    if (code !== 'NO_SESSION') endedEarly ??= { code, message };
  });
  // `reconnection: false`: a lost connection never comes back, and its acks never arrive.
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') return;
    fail(2, `connection lost (${reason}): what was recognised so far is stored; run again`);
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
  inSession = true;
  const seconds = pcm.byteLength / 32_000;
  process.stderr.write(
    `streaming ${seconds.toFixed(1)} s of audio ${values.fast ? 'as fast as possible' : 'at real-time pace'} (session ${started.sessionId})\n`,
  );

  const began = performance.now();
  for (let offset = 0, index = 0; offset < pcm.byteLength; offset += BYTES_PER_CHUNK, index += 1) {
    if (!values.fast) {
      // Pace against the start time, not the previous chunk, so timer drift does not accumulate.
      const due = began + index * CHUNK_MS - performance.now();
      if (due > 0) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, due);
        });
      }
    }
    // After an early end the server ignores further audio: stop sending it.
    if (interrupted || endedEarly) break;
    socket.emit('audio', pcm.slice(offset, offset + BYTES_PER_CHUNK));
  }

  // The results of everything sent arrive before this answer.
  const stopped = await socket.timeout(120_000).emitWithAck('stop');
  clearPartial();
  socket.disconnect();
  if (endedEarly) {
    fail(2, `session ended early: ${endedEarly.code}: ${endedEarly.message} (${stored} utterance(s) stored)`);
  }
  if (!stopped.ok) fail(2, `stop failed: ${stopped.error.code}: ${stopped.error.message}`);
  if (interrupted) fail(130, `interrupted: ${stopped.records.length} utterance(s) stored`);
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

main().catch((error: unknown) => fail(2, errorMessage(error)));
