/**
 * @module run — `npm run bench` in backend: runs the backend benchmarks and prints their tables.
 *
 * Two benchmarks, two tables:
 *   1. engine capacity — real-time pocketsphinx streams fed straight into the engine, in this process;
 *   2. server capacity — concurrent real-time voice sessions through the real server (in a child process)
 *      from our Socket.IO client on loopback, end to end.
 *
 * Usage: `npm run bench [-- --levels 1,2,4] [--repeat 3] [--budget-s 150] [--server-levels 1,2,4]
 * [--server-budget-s 170] [--only engine|server] [--quick]`. `--levels`, `--repeat` and `--budget-s` are
 * the engine bench's; `--quick` runs levels 1 and 2 of both. Each benchmark is bounded in time; numbers
 * depend on the machine and on what else runs on it, so each table prints the machine and its load average.
 * Exits non-zero only when something crashed, never because a level fell behind.
 */

import { runServerCapacity } from './server-capacity';
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
  if (only !== undefined && only !== 'engine' && only !== 'server') {
    throw new Error(`--only takes engine or server, not ${JSON.stringify(only)}`);
  }
  if (only !== 'server') await engineBench(quick);
  if (only === undefined) console.log('');
  if (only !== 'engine') await serverBench(quick);
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
    'Memory: the allocator keeps freed decoder memory (see "RSS after"), and a later level reuses only part ' +
      'of it, so RSS/session of later levels includes memory kept from earlier ones; the first level on the ' +
      'fresh server gives the cleanest per-session cost.',
  );
  console.log(`Machine: ${result.machine}.`);
}

main().catch((error: unknown) => {
  console.error(error);
  // Exit now: a crashed level may still hold ack timers (bounded, but up to 30 s) that would delay the exit.
  process.exit(1);
});
