/**
 * @module cpu-quota — how many cores this process may use: the cgroup CPU quota when there is one (a
 * Cloud Hosting instance of 0.5 or 1 core runs on a host with many more), else the cores it can run on.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Cores from a cgroup v2 `cpu.max` ("max 100000" or "50000 100000") or v1 `cfs_quota_us` / `cfs_period_us`
 * text; `undefined` when unlimited or unreadable.
 *
 * @example
 * parseCpuQuota('50000 100000') // → 0.5
 */
export function parseCpuQuota(
  cpuMax: string | undefined,
  v1?: { quota: string; period: string },
): number | undefined {
  const [quota, period] = cpuMax?.trim().split(/\s+/) ?? [v1?.quota.trim(), v1?.period.trim()];
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Cores this process may use: the cgroup quota (v2, then v1) if set, capped by the CPUs it can run on. */
export function usableCores(): number {
  const v1Quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us');
  const v1Period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us');
  const quota = parseCpuQuota(
    read('/sys/fs/cgroup/cpu.max'),
    v1Quota !== undefined && v1Period !== undefined ? { quota: v1Quota, period: v1Period } : undefined,
  );
  return Math.min(availableParallelism(), quota ?? Number.POSITIVE_INFINITY);
}
