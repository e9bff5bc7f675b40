import { describe, expect, it } from 'vitest';
import { createAdmission, defaultMaxSessions, memoryLimitBytes } from './admission';

const MiB = 1024 * 1024;

describe('createAdmission', () => {
  it('refuses a user over their cap with LIMIT_SESSIONS, and frees the place on release', () => {
    const admission = createAdmission({ maxSessions: 10, maxSessionsPerUser: 2, maxStarting: 10 });
    const a = admission.admit('alice');
    const b = admission.admit('alice');
    expect(a.ok && b.ok).toBe(true);
    const third = admission.admit('alice');
    expect(third).toMatchObject({ ok: false, error: { code: 'LIMIT_SESSIONS' } });
    expect(admission.admit('bob').ok).toBe(true);
    if (a.ok) {
      a.slot.release();
      a.slot.release(); // idempotent: frees one place only
    }
    expect(admission.liveSessions).toBe(2);
    expect(admission.admit('alice').ok).toBe(true);
    expect(admission.admit('alice')).toMatchObject({ ok: false, error: { code: 'LIMIT_SESSIONS' } });
  });

  it('refuses with ENGINE_BUSY when the server is full or the start queue is', () => {
    const admission = createAdmission({ maxSessions: 3, maxSessionsPerUser: 5, maxStarting: 2 });
    const first = admission.admit('u1');
    admission.admit('u2');
    expect(admission.admit('u3')).toMatchObject({ ok: false, error: { code: 'ENGINE_BUSY' } });
    expect(admission.report()).toMatchObject({ starting: 2, liveSessions: 2, freeSessions: 1 });
    if (first.ok) {
      first.slot.started();
      first.slot.started();
    }
    expect(admission.report().starting).toBe(1);
    expect(admission.admit('u3').ok).toBe(true);
    expect(admission.admit('u4')).toMatchObject({ ok: false, error: { code: 'ENGINE_BUSY' } });
    expect(admission.report()).toEqual({
      maxSessions: 3,
      liveSessions: 3,
      freeSessions: 0,
      maxSessionsPerUser: 5,
      starting: 2,
      maxStarting: 2,
    });
  });
});

describe('defaultMaxSessions', () => {
  it('fits the costliest stream into the memory beside the process, at least one', () => {
    expect(defaultMaxSessions({ memoryLimitBytes: 1024 * MiB, streamMemoryBytes: 96 * MiB })).toBe(6);
    expect(defaultMaxSessions({ memoryLimitBytes: 4096 * MiB, streamMemoryBytes: 96 * MiB })).toBe(32);
    expect(defaultMaxSessions({ memoryLimitBytes: 256 * MiB, streamMemoryBytes: 96 * MiB })).toBe(1);
  });

  it('is bounded by the cores too when the per-stream CPU is known', () => {
    const cost = { streamMemoryBytes: 32 * MiB, streamCpuCores: 0.14 };
    expect(defaultMaxSessions({ memoryLimitBytes: 4096 * MiB, cores: 0.5, ...cost })).toBe(3);
    expect(defaultMaxSessions({ memoryLimitBytes: 4096 * MiB, cores: 1, ...cost })).toBe(7);
    expect(defaultMaxSessions({ memoryLimitBytes: 4096 * MiB, cores: 2, ...cost })).toBe(14);
    // Memory still binds a small instance with many cores.
    expect(defaultMaxSessions({ memoryLimitBytes: 512 * MiB, cores: 8, ...cost })).toBe(7);
  });
});

describe('memoryLimitBytes', () => {
  it('takes a cgroup limit below the host memory, else the host memory', () => {
    const files = (map: Record<string, string>) => (path: string) => map[path];
    const host = 8192 * MiB;
    expect(memoryLimitBytes(files({ '/sys/fs/cgroup/memory.max': `${1024 * MiB}\n` }), host)).toBe(
      1024 * MiB,
    );
    expect(memoryLimitBytes(files({ '/sys/fs/cgroup/memory.max': 'max\n' }), host)).toBe(host);
    expect(
      memoryLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }), host),
    ).toBe(host);
    expect(
      memoryLimitBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${2048 * MiB}` }), host),
    ).toBe(2048 * MiB);
    expect(memoryLimitBytes(files({}), host)).toBe(host);
  });
});
