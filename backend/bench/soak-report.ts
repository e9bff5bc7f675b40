/**
 * @module soak-report — what `npm run soak` records and prints (pure: no I/O, no clock of its own).
 *
 * - partial delay: a `partial` arriving − the last audio chunk sent before it (how far the live text
 *   trails the voice);
 * - final delay: a `result` arriving − the moment the utterance's last speech chunk was sent;
 * - errors: anything a well-behaved client should never see (a connection refused or dropped, a
 *   `session-error`, a failed `start`/`stop`, an utterance without a result). A `start` refused by a
 *   capacity limit is not an error: it is counted as refused, and that session slot stays idle;
 * - server RSS over time.
 */
import { percentile, worst } from './stats';

/** `start` refusals that mean "the server is full", not "something broke". */
export const CAPACITY_CODES: ReadonlySet<string> = new Set(['ENGINE_BUSY', 'LIMIT_SESSIONS']);

export interface SoakRecorder {
  partialDelay(ms: number): void;
  finalDelay(ms: number): void;
  error(kind: string, detail: string): void;
  refusedByCapacity(code: string): void;
  utterance(): void;
  rss(atSeconds: number, bytes: number): void;
  summary(): SoakSummary;
}

export interface SoakSummary {
  readonly utterances: number;
  readonly partials: {
    readonly count: number;
    readonly p50: number;
    readonly p95: number;
    readonly max: number;
  };
  readonly finals: {
    readonly count: number;
    readonly p50: number;
    readonly p95: number;
    readonly max: number;
  };
  readonly errors: number;
  /** Up to 10 `kind: detail` lines, and a count per kind. */
  readonly errorSamples: readonly string[];
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly refusedByCapacity: number;
  readonly rss: readonly { readonly atSeconds: number; readonly bytes: number }[];
}

const spread = (values: readonly number[]) => ({
  count: values.length,
  p50: values.length ? percentile(values, 50) : Number.NaN,
  p95: values.length ? percentile(values, 95) : Number.NaN,
  max: values.length ? worst(values) : Number.NaN,
});

/**
 * @example
 * const recorder = createSoakRecorder();
 * recorder.finalDelay(640);
 * console.log(formatSoakReport(recorder.summary(), { idle: 1000, live: 10, seconds: 600 }).join('\n'));
 */
export function createSoakRecorder(): SoakRecorder {
  const partials: number[] = [];
  const finals: number[] = [];
  const samples: string[] = [];
  const kinds: Record<string, number> = {};
  const rss: { atSeconds: number; bytes: number }[] = [];
  let errors = 0;
  let refused = 0;
  let utterances = 0;
  return {
    partialDelay: (ms) => partials.push(Math.max(0, ms)),
    finalDelay: (ms) => finals.push(Math.max(0, ms)),
    error(kind, detail) {
      errors += 1;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (samples.length < 10) samples.push(`${kind}: ${detail}`);
    },
    refusedByCapacity: () => {
      refused += 1;
    },
    utterance: () => {
      utterances += 1;
    },
    rss: (atSeconds, bytes) => rss.push({ atSeconds, bytes }),
    summary: () => ({
      utterances,
      partials: spread(partials),
      finals: spread(finals),
      errors,
      errorSamples: [...samples],
      errorKinds: { ...kinds },
      refusedByCapacity: refused,
      rss: [...rss],
    }),
  };
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '—');
const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

/** The printed report, ending with one conclusion line. */
export function formatSoakReport(
  summary: SoakSummary,
  setup: { readonly idle: number; readonly live: number; readonly seconds: number },
): string[] {
  const lines = [
    `soak: ${setup.idle} idle sockets + ${setup.live} live voice sessions for ${setup.seconds} s`,
    `utterances: ${summary.utterances}; starts refused by capacity limits: ${summary.refusedByCapacity}`,
    `partial delay (partial − last chunk sent): n=${summary.partials.count}, p50 ${ms(summary.partials.p50)}, p95 ${ms(summary.partials.p95)}, max ${ms(summary.partials.max)}`,
    `final delay (result − end of speech sent): n=${summary.finals.count}, p50 ${ms(summary.finals.p50)}, p95 ${ms(summary.finals.p95)}, max ${ms(summary.finals.max)}`,
    `server RSS over time: ${summary.rss.map((point) => `${Math.round(point.atSeconds)} s ${mib(point.bytes)}`).join(', ') || '—'}`,
    `errors: ${summary.errors}${
      summary.errors
        ? ` (${Object.entries(summary.errorKinds)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(', ')})`
        : ''
    }`,
    ...summary.errorSamples.map((sample) => `  ${sample}`),
  ];
  const first = summary.rss[0];
  const last = summary.rss.at(-1);
  const growth = first && last ? last.bytes - first.bytes : 0;
  lines.push(
    summary.errors === 0 && summary.utterances > 0
      ? `CONCLUSION: PASS — 0 errors over ${summary.utterances} utterances; RSS ${growth >= 0 ? '+' : ''}${mib(growth)} from first to last sample.`
      : `CONCLUSION: FAIL — ${summary.errors} errors, ${summary.utterances} utterances (see above).`,
  );
  return lines;
}
