/**
 * @module accuracy — each of our recognition paths against the engine on its own, on recorded human speech
 * (issue 16): word error rate per path beside the reference's, in one run on the same clips.
 *
 * pocketsphinx: the reference is Debian's `pocketsphinx_continuous -infile` (same library and model); our
 * paths go through a real server on loopback: `POST /api/recognize` with the WAV and with the same audio as
 * a 22.05 kHz mp3, a live Socket.IO session fed 100 ms chunks, and `npm run transcribe --fast` (our client
 * script, which is a live session too). sherpa-onnx (when `SHERPA_MODEL_DIR` is set): the reference is
 * sherpa-onnx's own `OnlineRecognizer` decoding each whole file in one stream. The corpus is
 * `test/support/human-speech` (Debian `pocketsphinx-testdata`, ten clips, 92 words: one word ≈ 1.1 points).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StartAck, StopAck, TranscriptRecord } from '@realtime-voice/shared/voice';
import { parseWav } from '../src/audio/wav';
import type { RunningServer } from '../src/server';
import { findModelFiles, recognizerConfig } from '../src/speech/sherpa';
import type { OnlineRecognizer } from '../src/speech/sherpa/sherpa-api';
import { connectClient } from '../test/support/clients';
import { callApi } from '../test/support/http';
import {
  cliTranscript,
  corpusWer,
  type HumanClip,
  humanSpeechClips,
  humanSpeechUnavailable,
} from '../test/support/human-speech';
import { encodeMp3 } from '../test/support/mp3';
import { startTestServer } from '../test/support/server';
import { tokenFor } from '../test/support/tokens';

const run = promisify(execFile);
const BACKEND_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface AccuracyRow {
  readonly engine: string;
  readonly path: string;
  /** Corpus word error rate, or NaN when not measured. */
  readonly wer: number;
  /** Wall time for the whole corpus. */
  readonly seconds: number;
  /** Whether this row is the engine on its own (what the others are compared with). */
  readonly reference: boolean;
  readonly note?: string;
}

export interface AccuracyResult {
  readonly rows: AccuracyRow[];
  readonly words: number;
  /** One line per engine: the verdict against the bounds, or why nothing was measured. */
  readonly conclusions: string[];
}

type Transcribe = (clip: HumanClip) => Promise<string>;

/**
 * @example
 * const { rows, conclusions } = await runAccuracyBench({ log: console.error });
 */
export async function runAccuracyBench(
  options: { log?: (line: string) => void } = {},
): Promise<AccuracyResult> {
  const log = options.log ?? (() => {});
  const unavailable = humanSpeechUnavailable();
  if (unavailable) return { rows: [], words: 0, conclusions: [`not measured: ${unavailable}`] };
  const clips = humanSpeechClips();
  const words = clips.reduce((n, clip) => n + clip.reference.split(/\s+/).length, 0);
  const sherpaDir = process.env.SHERPA_MODEL_DIR;
  const server = await startTestServer({
    env: { ASR_ENGINE: 'pocketsphinx', ...(sherpaDir ? { SHERPA_MODEL_DIR: sherpaDir } : {}) },
    engines: 'configured',
  });
  const rows: AccuracyRow[] = [];
  const conclusions: string[] = [];
  const measure = async (engine: string, path: string, reference: boolean, transcribe: Transcribe) => {
    const began = performance.now();
    const hypotheses: string[] = [];
    for (const clip of clips) hypotheses.push(await transcribe(clip));
    const row = {
      engine,
      path,
      wer: corpusWer(clips, hypotheses),
      seconds: (performance.now() - began) / 1000,
      reference,
    };
    log(`accuracy ${engine} ${path}: WER ${(row.wer * 100).toFixed(1)}%`);
    rows.push(row);
    return row;
  };
  try {
    const cli = await measure('pocketsphinx', 'pocketsphinx_continuous -infile (engine CLI)', true, (clip) =>
      cliTranscript(clip.path),
    );
    const paths = ourPaths(server, 'pocketsphinx');
    const upload = await measure('pocketsphinx', 'POST /api/recognize (WAV)', false, paths.uploadWav);
    const mp3 = await measure('pocketsphinx', 'POST /api/recognize (mp3 22.05 kHz)', false, paths.uploadMp3);
    const live = await measure('pocketsphinx', 'live session (100 ms chunks)', false, paths.live);
    const transcribe = await measure('pocketsphinx', 'npm run transcribe --fast', false, paths.transcribeCli);
    conclusions.push(
      verdict('pocketsphinx', cli.wer, [
        { row: upload, bound: 0.01 },
        { row: mp3, bound: 0.01 },
        { row: live, bound: 0.02 },
        { row: transcribe, bound: 0.02 },
      ]),
    );

    if (!sherpaDir) {
      conclusions.push(
        'sherpa-onnx: not measured: SHERPA_MODEL_DIR is not set (no model can be downloaded on this machine; ' +
          '`npm run model:fetch` elsewhere)',
      );
    } else if (!(await sherpaReady(server))) {
      conclusions.push(`sherpa-onnx: not measured: the model in ${sherpaDir} did not load (see /healthz)`);
    } else {
      const own = await measure(
        'sherpa-onnx',
        'OnlineRecognizer, whole file (engine API)',
        true,
        sherpaOwn(sherpaDir),
      );
      const ours = ourPaths(server, 'sherpa-onnx');
      const sherpaUpload = await measure('sherpa-onnx', 'POST /api/recognize (WAV)', false, ours.uploadWav);
      const sherpaLive = await measure('sherpa-onnx', 'live session (100 ms chunks)', false, ours.live);
      conclusions.push(
        verdict('sherpa-onnx', own.wer, [
          { row: sherpaUpload, bound: 0.01 },
          { row: sherpaLive, bound: 0.02 },
        ]),
      );
    }
  } finally {
    await server.close();
  }
  return { rows, words, conclusions };
}

function verdict(
  engine: string,
  referenceWer: number,
  checks: ReadonlyArray<{ row: AccuracyRow; bound: number }>,
): string {
  const pct = (wer: number) => `${(wer * 100).toFixed(1)}%`;
  const parts = checks.map(({ row, bound }) => {
    const delta = (row.wer - referenceWer) * 100;
    const ok = row.wer <= referenceWer + bound + 1e-9;
    return `${row.path} ${pct(row.wer)} (${delta >= 0 ? '+' : ''}${delta.toFixed(1)} pt, ${ok ? 'within' : 'OVER'} ${bound * 100})`;
  });
  const all = checks.every(({ row, bound }) => row.wer <= referenceWer + bound + 1e-9);
  return `${engine}: ${all ? 'every path as accurate as the engine on its own' : 'a path is LESS accurate than the engine on its own'} (reference ${pct(referenceWer)}): ${parts.join('; ')}`;
}

function ourPaths(
  server: RunningServer,
  engine: string,
): Record<'uploadWav' | 'uploadMp3' | 'live' | 'transcribeCli', Transcribe> {
  const upload = async (body: Uint8Array, contentType: string) => {
    const result = await callApi(server, `/api/recognize?engine=${engine}`, {
      method: 'POST',
      user: 'bench',
      body,
      headers: { 'content-type': contentType },
    });
    if (result.status !== 200)
      throw new Error(`upload failed: ${result.status} ${JSON.stringify(result.body)}`);
    return (result.body as { records: TranscriptRecord[] }).records.map((r) => r.text).join(' ');
  };
  return {
    uploadWav: async (clip) => upload(await readFile(clip.path), 'audio/wav'),
    uploadMp3: async (clip) => {
      const { pcm } = parseWav(await readFile(clip.path));
      return upload(await encodeMp3(pcm, { sampleRate: 22050 }), 'audio/mpeg');
    },
    live: async (clip) => {
      const socket = await connectClient('ours', server.url, { auth: { token: await tokenFor('bench') } });
      try {
        const { pcm } = parseWav(await readFile(clip.path));
        const started = await socket.ack<StartAck>('start', { sampleRate: 16000, language: 'en-US', engine });
        if (!started.ok) throw new Error(`start failed: ${started.error.message}`);
        for (let offset = 0; offset < pcm.length; offset += 3200)
          socket.emit('audio', pcm.subarray(offset, offset + 3200));
        const stopped = await socket.ack<StopAck>('stop');
        if (!stopped.ok) throw new Error(`stop failed: ${stopped.error.message}`);
        return stopped.records.map((r) => r.text).join(' ');
      } finally {
        socket.close();
      }
    },
    transcribeCli: async (clip) => {
      const args = ['tsx', 'scripts/transcribe.ts', clip.path, '--url', server.url, '--fast'];
      args.push('--token', await tokenFor('bench'), '--engine', engine);
      const { stdout } = await run('npx', args, { cwd: BACKEND_DIR, maxBuffer: 1 << 20 });
      return stdout
        .trim()
        .split(/\s*\n\s*/)
        .join(' ');
    },
  };
}

async function sherpaReady(server: RunningServer): Promise<boolean> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as {
      engines?: Array<{ name: string; ready: boolean; code?: string }>;
    };
    const sherpa = health.engines?.find((e) => e.name === 'sherpa-onnx');
    if (sherpa?.ready) return true;
    if (sherpa && sherpa.code !== 'ENGINE_LOADING') return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** sherpa-onnx on its own: one stream per file, all audio then end of input, decoded to the end. */
function sherpaOwn(modelDir: string): Transcribe {
  // As the server's engine loads it (quantized encoder and joiner when present).
  const check = findModelFiles(modelDir, { int8: true });
  if (!check.ok) throw new Error(check.message);
  const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as {
    OnlineRecognizer: new (config: unknown) => OnlineRecognizer;
  };
  const recognizer = new sherpa.OnlineRecognizer(
    recognizerConfig(check.files, { numThreads: 2, endpointSilenceMs: 800 }),
  );
  return async (clip) => {
    const { pcm } = parseWav(await readFile(clip.path));
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const samples = new Float32Array(pcm.byteLength / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    const stream = recognizer.createStream();
    stream.acceptWaveform({ samples, sampleRate: 16000 });
    // Trailing silence lets the model emit the last tokens, as sherpa-onnx's own file-decoding examples do.
    stream.acceptWaveform({ samples: new Float32Array(8000), sampleRate: 16000 });
    stream.inputFinished();
    while (recognizer.isReady(stream)) recognizer.decode(stream);
    return recognizer.getResult(stream).text.toLowerCase();
  };
}
