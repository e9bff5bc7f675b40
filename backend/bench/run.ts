/**
 * @module run — `npm run bench` in backend: runs the backend benchmarks and prints their tables.
 *
 * Usage: `npm run bench [-- --levels 1,2,4] [--repeat 3] [--budget-s 150]`. Each benchmark is bounded in time; numbers depend on the
 * machine and on what else runs on it, so the table prints the machine and its load average with them.
 */

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

async function main(): Promise<void> {
  const levels = argValue('--levels')
    ?.split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
