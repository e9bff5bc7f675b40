/**
 * @module stats — the few order statistics the benchmarks report (nearest-rank percentiles).
 */

/** Nearest-rank percentile (`p` in 0–100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Nearest-rank median (the lower middle value for an even count); NaN for no values. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Largest value; NaN for no values (so an empty set never passes a `<` bound by accident). */
export const worst = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : Math.max(...values);
