import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCpuQuota, usableCores } from './cpu-quota';

describe('cpu quota', () => {
  it('reads cgroup v2 cpu.max', () => {
    expect(parseCpuQuota('50000 100000\n')).toBe(0.5);
    expect(parseCpuQuota('200000 100000')).toBe(2);
    expect(parseCpuQuota('max 100000')).toBeUndefined();
  });

  it('falls back to cgroup v1 quota and period; -1 means unlimited', () => {
    expect(parseCpuQuota(undefined, { quota: '100000\n', period: '100000\n' })).toBe(1);
    expect(parseCpuQuota(undefined, { quota: '-1', period: '100000' })).toBeUndefined();
    expect(parseCpuQuota(undefined)).toBeUndefined();
  });

  it('never reports more cores than the process can run on', () => {
    const cores = usableCores();
    expect(cores).toBeGreaterThan(0);
    expect(cores).toBeLessThanOrEqual(availableParallelism());
  });
});
