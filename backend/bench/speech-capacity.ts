/**
 * @module speech-capacity — how many real-time pocketsphinx streams one process sustains.
 *
 * For N = 1, 2, 4, 8, … streams, every stream plays the same three flite sentences (separated by 1.2 s of
 * silence) in 100 ms chunks at real-time pace, starts staggered across the first second as real sessions
 * would be. A level is sustained ("kept up") when, over all streams:
 *   - p95 decode lag < 1 s — lag is the wall time from writing a chunk to the end of its decoding (and of the
 *     partial hypothesis it may produce), so partials trail the speaker by at most that;
 *   - every utterance gets its final, < 1.5 s after the chunk carrying its last audible sample was written
 *     (500 ms of that is the detector's silence hangover, which no decoder speed removes).
 * Levels stop at the first one that fails or when the time budget would be exceeded.
 */

import { cpus, loadavg } from 'node:os';
import { createPocketsphinxEngine, type DecodeSample, type SpeechStream } from '../src/speech';
import { PocketsphinxStream } from '../src/speech/pocketsphinx/stream';
import { streamAtRealTime, wordErrorRate } from '../test/support/speech-audio';
import { corpusAudio } from './speech-corpus';
import { median, percentile } from './stats';

const CHUNK_MS = 100;
const VAD_POST_SPEECH_MS = 500;
const LAG_LIMIT_MS = 1000;
const FINAL_LIMIT_MS = VAD_POST_SPEECH_MS + 1000;

export interface CapacityRow {
  readonly streams: number;
  readonly keptUp: boolean;
  /** Median of per-stream p95 decode lag, and the worst p95 of any stream. */
  readonly lagP95MedianMs: number;
  readonly lagP95WorstMs: number;
  /** Median and worst final latency after the end of speech (includes the 500 ms detector hangover). */
  readonly finalMedianMs: number;
  readonly finalWorstMs: number;
  readonly missingFinals: number;
  /** Median per-stream real-time factor: threadpool wall time in native calls / audio time. */
  readonly rtfMedian: number;
  /** Process CPU time / total audio time of all streams (CPU cost of one stream's second of audio). */
  readonly cpuRtf: number;
  /**
   * (Peak RSS during the run − RSS of the warm engine before the first level) / N: what a live stream adds
   * beyond its pooled decoder (the decoders exist before the first level; the server bench reports what
   * each costs).
   */
  readonly rssPerStreamMiB: number;
  readonly initMedianMs: number;
  readonly werMedian: number;
  readonly wallMs: number;
}

export interface CapacityResult {
  readonly rows: CapacityRow[];
  /** Largest N that kept up (0 if none). */
  readonly capacity: number;
  readonly audioMs: number;
  readonly machine: string;
  readonly criterion: string;
}

/** Median of each metric over repeated runs of one level; kept up when more than half the runs did. */
function combine(runs: readonly CapacityRow[]): CapacityRow {
  if (runs.length === 1) return runs[0]!;
  const m = (pick: (row: CapacityRow) => number) => median(runs.map(pick));
  return {
    streams: runs[0]!.streams,
    keptUp: runs.filter((row) => row.keptUp).length * 2 > runs.length,
    lagP95MedianMs: m((row) => row.lagP95MedianMs),
    lagP95WorstMs: m((row) => row.lagP95WorstMs),
    finalMedianMs: m((row) => row.finalMedianMs),
    finalWorstMs: m((row) => row.finalWorstMs),
    missingFinals: m((row) => row.missingFinals),
    rtfMedian: m((row) => row.rtfMedian),
    cpuRtf: m((row) => row.cpuRtf),
    rssPerStreamMiB: m((row) => row.rssPerStreamMiB),
    initMedianMs: m((row) => row.initMedianMs),
    werMedian: m((row) => row.werMedian),
    wallMs: m((row) => row.wallMs),
  };
}

/**
 * Run the capacity levels within `budgetMs` (default 150 s), each `repeat` times (default 1; a level's row
 * is then the median of its runs and it kept up when most runs did).
 *
 * @example
 * const { rows, capacity } = await runSpeechCapacity({ levels: [1, 2, 4] });
 */
export async function runSpeechCapacity(
  options: {
    levels?: readonly number[];
    repeat?: number;
    budgetMs?: number;
    log?: (line: string) => void;
  } = {},
): Promise<CapacityResult> {
  const repeat = Math.max(1, options.repeat ?? 1);
  const levels = options.levels ?? [1, 2, 4, 6, 8, 12, 16];
  const budgetMs = options.budgetMs ?? 150_000;
  const log = options.log ?? (() => {});
  const begun = performance.now();

  const { audio, reference } = await corpusAudio();

  const samplesByStream = new Map<number, DecodeSample[]>();
  // The pool holds as many decoders as the largest level, all created before the first level (decision 0047).
  const engine = createPocketsphinxEngine({
    vadPostSpeechMs: VAD_POST_SPEECH_MS,
    maxStreams: Math.max(...levels),
    onDecode: (sample) => samplesByStream.get(sample.streamId)?.push(sample),
  });
  const status = engine.status();
  if (!status.ready) throw new Error(status.message);
  await engine.whenWarm();

  const rows: CapacityRow[] = [];
  const rssBaseline = process.memoryUsage.rss();
  let lastLevelMs = 0;
  try {
    for (const n of levels) {
      // Estimate from the previous level: its wall time scaled by the extra decoder inits.
      const perRun = lastLevelMs === 0 ? audio.durationMs + 5_000 : lastLevelMs * 1.2 + n * 1_000;
      const estimate = perRun * repeat;
      if (performance.now() - begun + estimate > budgetMs) {
        log(`N=${n}: skipped (time budget)`);
        break;
      }
      const levelStart = performance.now();
      const runs: CapacityRow[] = [];
      for (let r = 0; r < repeat; r++) runs.push(await runLevel(n));
      const row = combine(runs);
      lastLevelMs = (performance.now() - levelStart) / repeat;
      rows.push(row);
      log(
        `N=${n}: ${row.keptUp ? 'kept up' : 'fell behind'} — lag p95 ${row.lagP95WorstMs.toFixed(0)} ms, ` +
          `final worst ${row.finalWorstMs.toFixed(0)} ms, RSS/stream ${row.rssPerStreamMiB.toFixed(0)} MiB`,
      );
      if (!row.keptUp) break;
    }
  } finally {
    await engine.close();
  }

  const kept = rows.filter((row) => row.keptUp).map((row) => row.streams);
  return {
    rows,
    capacity: kept.length > 0 ? Math.max(...kept) : 0,
    audioMs: audio.durationMs,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    criterion:
      `for every stream: p95 decode lag < ${LAG_LIMIT_MS} ms, and every utterance's final < ${FINAL_LIMIT_MS} ms ` +
      `after its speech ended (${VAD_POST_SPEECH_MS} ms of that is the detector's silence hangover)`,
  };

  async function runLevel(n: number): Promise<CapacityRow> {
    let rssPeak = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    }, 250);
    const sessions: Array<{
      stream: SpeechStream;
      finals: Array<{ text: string; at: number }>;
      samples: DecodeSample[];
      initMs: number;
      writtenAt: readonly number[];
      errors: number;
    }> = [];
    try {
      for (let i = 0; i < n; i++) {
        const finals: Array<{ text: string; at: number }> = [];
        const session = {
          finals,
          samples: [] as DecodeSample[],
          initMs: 0,
          writtenAt: [] as number[],
          errors: 0,
        };
        const started = performance.now();
        const stream = await engine.createStream(
          { sampleRate: 16_000 },
          {
            onPartial: () => {},
            onFinal: (final) => finals.push({ text: final.text, at: performance.now() }),
            onError: () => {
              session.errors++;
            },
          },
        );
        session.initMs = performance.now() - started;
        if (stream instanceof PocketsphinxStream) samplesByStream.set(stream.id, session.samples);
        sessions.push({ ...session, stream });
      }
      const cpuBefore = process.cpuUsage();
      const wallStart = performance.now();
      await Promise.all(
        sessions.map(async (session, i) => {
          // Stagger starts across the first second, as independent sessions would be.
          await new Promise((resolve) => setTimeout(resolve, (i * 1000) / n));
          const timing = await streamAtRealTime(audio.pcm, CHUNK_MS, (chunk) => session.stream.write(chunk));
          session.writtenAt = timing.writtenAt;
          await session.stream.flush();
        }),
      );
      const wallMs = performance.now() - wallStart;
      const cpu = process.cpuUsage(cpuBefore);
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());

      const lagP95s = sessions.map((s) =>
        percentile(
          s.samples.map((x) => x.lagMs),
          95,
        ),
      );
      const finalLatencies: number[] = [];
      let missingFinals = 0;
      for (const session of sessions) {
        audio.segments.forEach((segment, index) => {
          const final = session.finals[index];
          if (!final) {
            missingFinals++;
            return;
          }
          const chunk = Math.min(session.writtenAt.length - 1, Math.floor(segment.speechEndMs / CHUNK_MS));
          finalLatencies.push(final.at - session.writtenAt[chunk]!);
        });
      }
      const rtfs = sessions.map((s) => s.samples.reduce((sum, x) => sum + x.decodeMs, 0) / audio.durationMs);
      const wers = sessions.map((s) => wordErrorRate(reference, s.finals.map((f) => f.text).join(' ')));
      const lagP95WorstMs = Math.max(...lagP95s);
      const finalWorstMs = finalLatencies.length > 0 ? Math.max(...finalLatencies) : Number.POSITIVE_INFINITY;
      const errors = sessions.reduce((sum, s) => sum + s.errors, 0);
      return {
        streams: n,
        keptUp:
          lagP95WorstMs < LAG_LIMIT_MS &&
          finalWorstMs < FINAL_LIMIT_MS &&
          missingFinals === 0 &&
          errors === 0,
        lagP95MedianMs: median(lagP95s),
        lagP95WorstMs,
        finalMedianMs: median(finalLatencies),
        finalWorstMs,
        missingFinals,
        rtfMedian: median(rtfs),
        cpuRtf: (cpu.user + cpu.system) / 1000 / (audio.durationMs * n),
        rssPerStreamMiB: (rssPeak - rssBaseline) / n / 2 ** 20,
        initMedianMs: median(sessions.map((s) => s.initMs)),
        werMedian: median(wers),
        wallMs,
      };
    } finally {
      clearInterval(sampler);
      await Promise.all(sessions.map((s) => s.stream.close()));
      for (const s of sessions)
        if (s.stream instanceof PocketsphinxStream) samplesByStream.delete(s.stream.id);
    }
  }
}
