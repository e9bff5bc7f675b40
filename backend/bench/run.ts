/**
 * @module run — `npm run bench` in backend: runs the backend benchmarks and prints their tables.
 *
 * Two benchmarks, two tables:
 *   1. engine capacity — real-time pocketsphinx streams fed straight into the engine, in this process;
 *   2. server capacity — concurrent real-time voice sessions through the real server (in a child process)
 *      from our Socket.IO client on loopback, end to end;
 *   3. mp3 decoding — CPU per stream-second of the mp3 stage (issue 7), at the rates recorders use;
 *   4. speech engines side by side (issue 5) — every engine available here through the one interface
 *      (`--only engines`, `--engines-levels 1,2,4`, `--engines-budget-s 60`);
 *   5. cluster (issue 6) — idle sockets one instance holds (memory per socket) and the extra latency of a
 *      broadcast reaching another instance through Redis (`--only cluster`; see `cluster.ts`).
 *
 * Usage: `npm run bench [-- --levels 1,2,4] [--repeat 3] [--budget-s 150] [--server-levels 1,2,4]
 * [--server-budget-s 170] [--keep-going] [--only engine|server|mp3|engines|cluster] [--quick]`. Without `--only`, each
 * section runs in its own process. `--levels`, `--repeat` and `--budget-s` are
 * the engine bench's; `--quick` runs levels 1 and 2 of both. Each benchmark is bounded in time; numbers
 * depend on the machine and on what else runs on it, so each table prints the machine and its load average.
 * Exits non-zero only when something crashed, never because a level fell behind.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runBroadcastLatency, runIdleSockets } from './cluster';
import { runEnginesBench } from './engines';
import { runMp3DecodeBench } from './mp3-decode';
import { runServerCapacity } from './server-capacity';
import { sizingTable } from './sizing';
import { runSpeechCapacity } from './speech-capacity';

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function levelsArg(name: string): number[] | undefined {
  return argValue(name)
    ?.split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

const QUICK_LEVELS: readonly number[] = [1, 2];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = argValue('--only');
  if (
    only !== undefined &&
    only !== 'engine' &&
    only !== 'server' &&
    only !== 'mp3' &&
    only !== 'engines' &&
    only !== 'cluster'
  ) {
    throw new Error(`--only takes engine, server, mp3, engines or cluster, not ${JSON.stringify(only)}`);
  }
  if (only === undefined) {
    // Each section in a fresh process: memory numbers are RSS deltas, and the allocator keeps what an
    // earlier section freed (a later section's decoders would reuse it and look almost free).
    for (const [index, section] of SECTIONS.entries()) {
      if (index > 0) console.log('');
      const args = ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)];
      const { status, signal } = spawnSync(process.execPath, [...args, '--only', section], {
        stdio: 'inherit',
      });
      if (status !== 0) throw new Error(`bench section ${section} failed (${signal ?? `exit ${status}`})`);
    }
    return;
  }
  if (only === 'engine') await engineBench(quick);
  if (only === 'server') await serverBench(quick);
  if (only === 'mp3') await mp3Bench(quick);
  if (only === 'engines') await enginesBench(quick);
  if (only === 'cluster') await clusterBench(quick);
}

const SECTIONS = ['engine', 'server', 'mp3', 'engines', 'cluster'] as const;

// --- cluster (issue 6): idle sockets per instance, cross-instance broadcast latency (see cluster.ts) ---
async function clusterBench(quick: boolean): Promise<void> {
  console.log('# One instance: idle Socket.IO connections held (our client, loopback)\n');
  const idle = await runIdleSockets({
    steps: quick ? [250, 500] : [250, 500, 1000, 2000],
    budgetMs: 45_000,
    log: (line) => console.error(line),
  });
  console.log(
    table(
      ['sockets', 'server RSS MiB', 'KiB per socket', 'connect ms (step)'],
      idle.rows.map((row) => [
        String(row.sockets),
        fixed(row.rssMiB),
        fixed(row.perSocketKiB),
        fixed(row.connectMs),
      ]),
    ),
  );
  console.log(
    `\nIdle server RSS before the first socket: ${fixed(idle.idleRssMiB)} MiB (engines loaded, no decoder). ` +
      'KiB per socket = (RSS − idle RSS) / sockets, read from /proc 1 s after each step; the sockets joined ' +
      '/realtime-voice (anonymous auth) and stay idle (heartbeats only).',
  );
  console.log(`Machine: ${idle.machine}.`);

  console.log('\n# Several instances: history:new through Redis (Streams adapter)\n');
  const broadcast = await runBroadcastLatency({
    samples: quick ? 10 : 30,
    budgetMs: 30_000,
    log: (line) => console.error(line),
  });
  console.log(
    table(
      ['samples', 'missed', 'extra on other instance med / p95 / worst ms', 'upload → same instance med ms'],
      [
        [
          String(broadcast.samples),
          String(broadcast.missed),
          `${fixed(broadcast.extraMedianMs, 1)} / ${fixed(broadcast.extraP95Ms, 1)} / ${fixed(broadcast.extraWorstMs, 1)}`,
          fixed(broadcast.sameInstanceMedianMs),
        ],
      ],
    ),
  );
  console.log(
    '\nTwo server processes with REDIS_URL on one loopback redis-server, a watcher socket of the same user on ' +
      'each. A short flite WAV is uploaded to A; its record is announced to the user room. Extra = arrival on B ' +
      '− arrival on A (A delivers after its own append to the stream, B after reading it back). Upload → same ' +
      'instance includes recognizing and storing the clip.',
  );
  console.log(`Machine: ${broadcast.machine}.`);
}

// --- every speech engine side by side (issue 5: sherpa-onnx, Tencent Cloud) ---
async function enginesBench(quick: boolean): Promise<void> {
  console.log(
    '# Speech engines side by side (real-time streams in one process, through the SpeechEngine interface)\n',
  );
  const levels = levelsArg('--engines-levels') ?? (quick ? QUICK_LEVELS : undefined);
  const budgetS = Number(argValue('--engines-budget-s') ?? 60);
  const { results, audioMs, machine } = await runEnginesBench({
    ...(levels ? { levels } : {}),
    budgetMs: Number.isFinite(budgetS) && budgetS > 0 ? budgetS * 1000 : 60_000,
    log: (line) => console.error(line),
  });
  const rows = results.flatMap((result) =>
    result.measured
      ? result.rows.map((row) => [
          result.engine,
          String(row.streams),
          row.keptUp ? 'yes' : 'NO',
          fixed(row.cpuRtf, 3),
          `${fixed(row.firstPartialMedianMs)} / ${fixed(row.firstPartialP95Ms)}`,
          `${fixed(row.finalMedianMs)} / ${fixed(row.finalWorstMs)}`,
          String(row.missingFinals + row.errors),
          fixed(result.engineRssMiB),
          fixed(row.rssPerStreamMiB, 1),
          fixed(row.werMedian, 2),
        ])
      : [[result.engine, '—', '—', '—', '—', '—', '—', '—', '—', '—']],
  );
  console.log(
    table(
      [
        'engine',
        'streams',
        'kept up',
        'CPU RTF',
        'first partial med / p95 ms',
        'final med / worst ms',
        'missing/errors',
        'engine RSS MiB',
        'RSS/stream MiB',
        'WER',
      ],
      rows,
    ),
  );
  console.log('');
  for (const result of results) {
    console.log(
      `- ${result.engine}: ${result.measured ? `holds ${result.capacity} concurrent real-time stream(s) here (${result.note}); kept up = ${result.criterion}` : result.note}.`,
    );
  }
  console.log(
    '\nCPU RTF = process CPU (all threads) / audio time of all streams; first partial = first partial after the chunk ' +
      "with the utterance's first audible sample was written; final = final arrival − write of the chunk with its " +
      'last audible sample; engine RSS = what loading the engine added (a shared model counts once; pocketsphinx: its language-model lanes and a warm decoder pool as large as the largest level); RSS/stream = ' +
      '(peak − idle) / N.',
  );
  console.log(
    `Audio per stream: ${(audioMs / 1000).toFixed(1)} s (the corpus above), 100 ms chunks, real-time pace.`,
  );
  console.log(`Machine: ${machine}.`);
}

async function mp3Bench(quick: boolean): Promise<void> {
  console.log('# mp3 decoding (issue 7: frame split + libmpg123 + downmix + libsamplerate, per stream)\n');
  const result = await runMp3DecodeBench({ repeat: quick ? 2 : 5 });
  console.log(
    table(
      [
        'stream',
        'mp3 bytes',
        'audio s',
        'CPU ms per stream-s',
        'without setup',
        'RTF (wall)',
        'setup ms',
        'length error ms',
      ],
      result.rows.map((row) => [
        row.label,
        String(row.mp3Bytes),
        fixed(row.audioS, 1),
        fixed(row.cpuMsPerAudioS, 2),
        fixed(row.steadyCpuMsPerAudioS, 2),
        fixed(row.realTimeFactor, 4),
        fixed(row.setupMs, 1),
        fixed(row.lengthErrorMs),
      ]),
    ),
  );
  console.log(
    '\nCPU ms per stream-s = process CPU (user + system) to decode the whole stream / its duration, median ' +
      'of the runs after one warm-up; 1000 would be one core per stream; "without setup" counts from the ' +
      "first PCM on (a long stream's cost). Fed in 1 KiB chunks (the app's " +
      'Alipay frameSize); setup = creating the stage to its first PCM (includes the resampler, when used).',
  );
  console.log(`Machine: ${result.machine}.`);
}

async function engineBench(quick: boolean): Promise<void> {
  const levels = levelsArg('--levels') ?? (quick ? QUICK_LEVELS : undefined);
  console.log('# Speech capacity (pocketsphinx, real-time streams in one process)\n');
  const repeat = Number(argValue('--repeat') ?? 1);
  const budgetS = Number(argValue('--budget-s') ?? 150);
  const result = await runSpeechCapacity({
    levels,
    repeat: Number.isInteger(repeat) && repeat > 0 ? repeat : 1,
    budgetMs: Number.isFinite(budgetS) && budgetS > 0 ? budgetS * 1000 : 150_000,
    log: (line) => console.error(line),
  });
  console.log(
    table(
      [
        'streams',
        'kept up',
        'lag p95 med/worst ms',
        'final med/worst ms',
        'missing finals',
        'RTF (wall)',
        'CPU RTF',
        'RSS/stream MiB',
        'init ms',
        'WER',
      ],
      result.rows.map((row) => [
        String(row.streams),
        row.keptUp ? 'yes' : 'NO',
        `${fixed(row.lagP95MedianMs)} / ${fixed(row.lagP95WorstMs)}`,
        `${fixed(row.finalMedianMs)} / ${fixed(row.finalWorstMs)}`,
        String(row.missingFinals),
        fixed(row.rtfMedian, 3),
        fixed(row.cpuRtf, 3),
        fixed(row.rssPerStreamMiB),
        fixed(row.initMedianMs),
        fixed(row.werMedian, 2),
      ]),
    ),
  );
  console.log(`\nCapacity: ${result.capacity} concurrent real-time stream(s).`);
  console.log(
    'RSS/stream = what a live stream adds beyond its pooled decoder (the pool is warm before the first level; ' +
      '`--only server` reports the memory per decoder); init ms = taking a decoder from the pool.',
  );
  console.log(`Criterion: ${result.criterion}.`);
  console.log(
    `Audio per stream: ${(result.audioMs / 1000).toFixed(1)} s in 100 ms chunks, real-time pace, starts ` +
      `staggered over 1 s; each cell is a median over streams${repeat > 1 ? ` and ${repeat} runs` : ''}.`,
  );
  console.log(`Machine: ${result.machine}.`);
}

async function serverBench(quick: boolean): Promise<void> {
  const levels = levelsArg('--server-levels') ?? (quick ? QUICK_LEVELS : undefined);
  const budgetS = Number(argValue('--server-budget-s') ?? 170);
  console.log(
    '# Server capacity (concurrent real-time voice sessions, our client → real server, end to end)\n',
  );
  const result = await runServerCapacity({
    ...(levels ? { levels } : {}),
    budgetMs: Number.isFinite(budgetS) && budgetS > 0 ? budgetS * 1000 : 170_000,
    keepGoing: process.argv.includes('--keep-going'),
    log: (line) => console.error(line),
  });
  console.log(
    table(
      [
        'sessions',
        'passed',
        'first partial ms',
        'partial gap med / p95 worst ms',
        'final med / worst ms',
        'missing finals',
        'stop ack ms',
        'WER',
        'server RSS peak MiB',
        'RSS/session MiB',
        'RSS after MiB',
        'server CPU %',
        'client CPU %',
        'start ack med / worst ms',
        'load 1m',
      ],
      result.rows.map((row) => [
        String(row.sessions),
        row.passed ? 'yes' : 'NO',
        `${fixed(row.firstPartialMedianMs)} / ${fixed(row.firstPartialWorstMs)}`,
        `${fixed(row.partialGapMedianMs)} / ${fixed(row.partialGapP95WorstMs)}`,
        `${fixed(row.finalMedianMs)} / ${fixed(row.finalWorstMs)}`,
        String(row.missingFinals),
        fixed(row.stopAckMedianMs),
        fixed(row.werMedian, 2),
        fixed(row.rssPeakMiB),
        fixed(row.rssPerSessionMiB, 1),
        fixed(row.rssAfterMiB),
        fixed(row.serverCpuPercent),
        fixed(row.clientCpuPercent),
        `${fixed(row.startAckMedianMs)} / ${fixed(row.startAckWorstMs)}`,
        fixed(row.loadAverage1m, 2),
      ]),
    ),
  );
  const failed = result.rows.find((row) => !row.passed);
  if (failed) console.log(`\nN=${failed.sessions} failed: ${failed.failures.join(' | ')}`);
  console.log(
    `\nConclusion: one server process sustains ${result.capacity} concurrent real-time session(s) on this machine` +
      `${result.rows.length > 0 && result.rows.every((row) => row.passed) ? ' (every level tried passed; more may fit)' : ''}.`,
  );
  console.log(`Criterion: ${result.criterion}.`);
  const pool = result.pool;
  // CPU per session is only meaningful where the server kept up: the largest passing level, else N=1.
  const best = result.rows.find((row) => row.sessions === result.capacity) ?? result.rows[0];
  if (best) {
    const cpuPercentPerSession = best.serverCpuPercent / best.sessions;
    const liveExtraMiB = Math.max(0, best.rssPerSessionMiB);
    const modelsMiB = pool.modelsAndFirstDecoderMiB - pool.perDecoderMiB;
    const baseMiB =
      result.idleRssMiB - pool.modelsAndFirstDecoderMiB - (pool.decoders - 1) * pool.perDecoderMiB;
    console.log(
      `\nPer-session cost (N=${best.sessions}${best.passed ? ', the largest passing level' : ', no level passed: N=1 (CPU from a failed level is not a cost)'}): ` +
        `${fixed(cpuPercentPerSession, 1)} % of a core; ${fixed(pool.perDecoderMiB, 1)} MiB per decoder ` +
        `(pool of ${pool.decoders}, created at start and reused) + ${fixed(liveExtraMiB, 1)} MiB while live ` +
        `(RSS/session over the warm idle server). Fixed: ${fixed(modelsMiB)} MiB for ${pool.lanes} language-model ` +
        `lane(s), ${fixed(baseMiB)} MiB the server itself (idle RSS ${fixed(result.idleRssMiB)} MiB with the pool).`,
    );
    const rows = sizingTable({
      cpuPercentPerSession,
      baseMiB,
      modelPerLaneMiB: modelsMiB / Math.max(1, pool.lanes),
      decoderMiB: pool.perDecoderMiB,
      liveExtraMiB,
    });
    console.log(
      '\nSessions per instance (min of CPU and memory; see bench/sizing.ts for the headroom kept):\n',
    );
    console.log(
      table(
        ['cores', '1 GiB', '2 GiB', '4 GiB'],
        [0.5, 1, 2].map((cores) => [
          String(cores),
          ...rows
            .filter((row) => row.cores === cores)
            .map((row) => `${row.sessions} (cpu ${row.byCpu}, mem ${row.byMemory})`),
        ]),
      ),
    );
  }
  console.log(
    `Cells: "a / b" = median / worst (partial gap: median of all gaps / worst session's p95). First partial = ` +
      `first partial's arrival − send time of the chunk with the utterance's first audible sample (proxy for ` +
      `partial lag); final = result arrival − send time of the chunk with its last audible sample; stop ack = ` +
      `ack arrival − last chunk sent; RSS/session = (peak − idle ${result.idleRssMiB.toFixed(0)} MiB) / N; RSS after = once the level's sessions closed; CPU % ` +
      `of one core over the streaming phase (client = this load generator, a separate process).`,
  );
  console.log(
    `Audio per session: ${(result.audioMs / 1000).toFixed(1)} s (${result.utterances} flite sentences, 1.2 s ` +
      `silence between) in 100 ms chunks at real-time pace, starts staggered over 1 s; server in a child process ` +
      `with a temp-file SQLite database, anonymous auth, pocketsphinx; loopback WebSocket.`,
  );
  console.log(
    "Memory: the idle RSS already holds the pool's decoders (created at start, reused by every level), so " +
      'RSS/session is what a live session adds on top of its decoder; "RSS after" should come back to the idle ' +
      'RSS (freed heap is trimmed after a burst). UV_THREADPOOL_SIZE, MALLOC_ARENA_MAX and BENCH_LANES (language-' +
      "model copies) reach the server child from this process's environment.",
  );
  console.log(`Machine: ${result.machine}.`);
}

main().catch((error: unknown) => {
  console.error(error);
  // Exit now: a crashed level may still hold ack timers (bounded, but up to 30 s) that would delay the exit.
  process.exit(1);
});
