/**
 * @module engines — every speech engine available on this machine, side by side, through the one
 * `SpeechEngine` interface: real-time factor, partial and final latency, memory, and how many concurrent
 * real-time streams one process holds.
 *
 * For N = 1, 2, 4, … streams, each plays the bench corpus (three flite sentences, 1.2 s silence between)
 * in 100 ms chunks at real-time pace, starts staggered over one second. A level "kept up" when every
 * utterance got its final within the engine's end-of-utterance silence + 1 s after its speech ended, the
 * p95 first-partial latency stayed under 1 s, and no stream failed. Engines that cannot run here are
 * listed with the reason (sherpa-onnx without SHERPA_MODEL_DIR; Tencent Cloud without credentials is
 * measured against the local protocol fake — our client's cost, not recognition).
 */
import { cpus, loadavg } from 'node:os';
import {
  createPocketsphinxEngine,
  createSherpaEngine,
  createTencentEngine,
  type SpeechEngine,
  type SpeechStream,
} from '../src/speech';
import { FAKE_TENCENT_CREDENTIALS, startFakeTencentAsr } from '../test/support/fake-tencent-asr';
import { streamAtRealTime, wordErrorRate } from '../test/support/speech-audio';
import { corpusAudio } from './speech-corpus';
import { median, percentile, worst } from './stats';

const CHUNK_MS = 100;
const PARTIAL_LIMIT_MS = 1000;

export interface EngineLevelRow {
  readonly streams: number;
  readonly keptUp: boolean;
  readonly firstPartialMedianMs: number;
  readonly firstPartialP95Ms: number;
  readonly finalMedianMs: number;
  readonly finalWorstMs: number;
  readonly missingFinals: number;
  readonly errors: number;
  /** Process CPU (all threads) / audio time of all streams. */
  readonly cpuRtf: number;
  /** (Peak RSS − RSS with the engine loaded and idle) / N. */
  readonly rssPerStreamMiB: number;
  readonly werMedian: number;
}

export interface EngineBenchResult {
  readonly engine: string;
  /** What was measured (e.g. "local protocol fake"), or why nothing was. */
  readonly note: string;
  readonly measured: boolean;
  /** RSS the loaded engine adds before any stream (a shared model shows here, once). */
  readonly engineRssMiB: number;
  readonly rows: EngineLevelRow[];
  readonly capacity: number;
  readonly criterion: string;
}

interface Candidate {
  readonly name: string;
  readonly note: string;
  /** Silence after speech before the engine ends an utterance. */
  readonly endSilenceMs: number;
  /** WER is meaningless against a fake. */
  readonly scoresText: boolean;
  readonly open: () => Promise<{ engine: SpeechEngine; dispose: () => Promise<void> } | { skip: string }>;
}

/**
 * @example
 * const results = await runEnginesBench({ levels: [1, 2], budgetMs: 60_000 });
 */
export async function runEnginesBench(
  options: { levels?: readonly number[]; budgetMs?: number; log?: (line: string) => void } = {},
): Promise<{ results: EngineBenchResult[]; audioMs: number; machine: string }> {
  const levels = options.levels ?? [1, 2, 4, 8, 16];
  const budgetMs = options.budgetMs ?? 60_000;
  const log = options.log ?? (() => {});
  const { audio, reference } = await corpusAudio();

  const tencentCredentials = {
    appId: process.env.TENCENT_APP_ID,
    secretId: process.env.TENCENT_SECRET_ID,
    secretKey: process.env.TENCENT_SECRET_KEY,
  };
  const cloud = Boolean(
    tencentCredentials.appId &&
      tencentCredentials.secretId &&
      tencentCredentials.secretKey &&
      process.env.BENCH_TENCENT_CLOUD === '1',
  );

  const candidates: Candidate[] = [
    {
      name: 'pocketsphinx',
      note: 'en-US, Debian model, in-process (koffi)',
      endSilenceMs: 500,
      scoresText: true,
      open: async () => {
        // A pool as large as the largest level, warm before measuring: its decoders are engine RSS.
        const engine = createPocketsphinxEngine({ vadPostSpeechMs: 500, maxStreams: Math.max(...levels) });
        const status = engine.status();
        if (!status.ready) {
          await engine.close();
          return { skip: status.message };
        }
        await engine.whenWarm();
        return { engine, dispose: () => engine.close() };
      },
    },
    {
      name: 'sherpa-onnx',
      note: 'bilingual zh-en zipformer, worker thread',
      endSilenceMs: 800,
      scoresText: true,
      open: async () => {
        const modelDir = process.env.SHERPA_MODEL_DIR;
        if (!modelDir)
          return {
            skip: 'not measured: SHERPA_MODEL_DIR is not set (no model can be downloaded on this machine)',
          };
        const engine = createSherpaEngine({ modelDir });
        const status = await engine.whenLoaded();
        if (!status.ready) {
          await engine.close();
          return { skip: `not measured: ${status.message}` };
        }
        return { engine, dispose: () => engine.close() };
      },
    },
    {
      name: 'tencent',
      note: cloud
        ? 'Tencent Cloud (BENCH_TENCENT_CLOUD=1; billed)'
        : 'local protocol fake on loopback: our client + the fake, no recognition (set TENCENT_* and BENCH_TENCENT_CLOUD=1 for the cloud)',
      endSilenceMs: 300,
      scoresText: cloud,
      open: async () => {
        if (cloud) {
          const engine = createTencentEngine({ credentials: tencentCredentials });
          return { engine, dispose: () => engine.close() };
        }
        const fake = await startFakeTencentAsr();
        const engine = createTencentEngine({
          credentials: FAKE_TENCENT_CREDENTIALS,
          endpoint: fake.endpoint,
        });
        return {
          engine,
          dispose: async () => {
            await engine.close();
            await fake.close();
          },
        };
      },
    },
  ];

  const results: EngineBenchResult[] = [];
  for (const candidate of candidates) {
    const criterion =
      `every final < ${candidate.endSilenceMs + 1000} ms after its speech ended (${candidate.endSilenceMs} ms ` +
      `is the engine's end-of-utterance silence), p95 first partial < ${PARTIAL_LIMIT_MS} ms, no stream error`;
    const rssBefore = process.memoryUsage.rss();
    const opened = await candidate.open();
    if ('skip' in opened) {
      log(`${candidate.name}: ${opened.skip}`);
      results.push({
        engine: candidate.name,
        note: opened.skip,
        measured: false,
        engineRssMiB: Number.NaN,
        rows: [],
        capacity: 0,
        criterion,
      });
      continue;
    }
    const engineRssMiB = (process.memoryUsage.rss() - rssBefore) / 2 ** 20;
    const rows: EngineLevelRow[] = [];
    const begun = performance.now();
    try {
      for (const n of levels) {
        if (performance.now() - begun + audio.durationMs + 3000 > budgetMs) {
          log(`${candidate.name} N=${n}: skipped (time budget)`);
          break;
        }
        const row = await runLevel(opened.engine, n, candidate);
        rows.push(row);
        log(
          `${candidate.name} N=${n}: ${row.keptUp ? 'kept up' : 'fell behind'} — final worst ${row.finalWorstMs.toFixed(0)} ms, ` +
            `first partial p95 ${row.firstPartialP95Ms.toFixed(0)} ms, CPU RTF ${row.cpuRtf.toFixed(3)}`,
        );
        if (!row.keptUp) break;
      }
    } finally {
      await opened.dispose();
    }
    const kept = rows.filter((row) => row.keptUp).map((row) => row.streams);
    results.push({
      engine: candidate.name,
      note: candidate.note,
      measured: true,
      engineRssMiB,
      rows,
      capacity: kept.length > 0 ? Math.max(...kept) : 0,
      criterion,
    });
  }
  return {
    results,
    audioMs: audio.durationMs,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  };

  async function runLevel(engine: SpeechEngine, n: number, candidate: Candidate): Promise<EngineLevelRow> {
    interface Session {
      stream: SpeechStream;
      partials: number[];
      finals: Array<{ text: string; at: number }>;
      errors: number;
      writtenAt: readonly number[];
    }
    const sessions: Session[] = [];
    const idleRss = process.memoryUsage.rss();
    let rssPeak = idleRss;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, 100);
    try {
      for (let i = 0; i < n; i++) {
        const session: Omit<Session, 'stream'> = { partials: [], finals: [], errors: 0, writtenAt: [] };
        const stream = await engine.createStream(
          { sampleRate: 16_000, language: 'en-US' },
          {
            onPartial: () => session.partials.push(performance.now()),
            onFinal: (final) => session.finals.push({ text: final.text, at: performance.now() }),
            onError: () => {
              session.errors += 1;
            },
          },
        );
        sessions.push({ ...session, stream });
      }
      const cpuBefore = process.cpuUsage();
      await Promise.all(
        sessions.map(async (session, i) => {
          await new Promise((resolve) => setTimeout(resolve, (i * 1000) / n));
          const timing = await streamAtRealTime(audio.pcm, CHUNK_MS, (chunk) => session.stream.write(chunk));
          session.writtenAt = timing.writtenAt;
          await session.stream.flush();
        }),
      );
      const cpu = process.cpuUsage(cpuBefore);
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());

      const chunkAt = (session: Session, ms: number) =>
        session.writtenAt[Math.min(session.writtenAt.length - 1, Math.floor(ms / CHUNK_MS))]!;
      const firstPartials: number[] = [];
      const finals: number[] = [];
      let missingFinals = 0;
      for (const session of sessions) {
        audio.segments.forEach((segment, index) => {
          const spoke = chunkAt(session, segment.speechStartMs);
          const until = session.finals[index]?.at ?? Number.POSITIVE_INFINITY;
          const partial = session.partials.find((at) => at >= spoke && at <= until);
          if (partial !== undefined) firstPartials.push(partial - spoke);
          const final = session.finals[index];
          if (final) finals.push(final.at - chunkAt(session, segment.speechEndMs));
          else missingFinals += 1;
        });
      }
      const errors = sessions.reduce((sum, s) => sum + s.errors, 0);
      const finalWorstMs = worst(finals);
      const firstPartialP95Ms = percentile(firstPartials, 95);
      return {
        streams: n,
        keptUp:
          missingFinals === 0 &&
          errors === 0 &&
          finalWorstMs < candidate.endSilenceMs + 1000 &&
          !(firstPartialP95Ms >= PARTIAL_LIMIT_MS),
        firstPartialMedianMs: median(firstPartials),
        firstPartialP95Ms,
        finalMedianMs: median(finals),
        finalWorstMs,
        missingFinals,
        errors,
        cpuRtf: (cpu.user + cpu.system) / 1000 / (audio.durationMs * n),
        rssPerStreamMiB: (rssPeak - idleRss) / n / 2 ** 20,
        werMedian: candidate.scoresText
          ? median(sessions.map((s) => wordErrorRate(reference, s.finals.map((f) => f.text).join(' '))))
          : Number.NaN,
      };
    } finally {
      clearInterval(sampler);
      await Promise.all(sessions.map((s) => s.stream.close()));
    }
  }
}
