/**
 * @module admission — the one place that decides whether a recognition may start: live sessions per user
 * and per server, and the start queue (sessions waiting for their engine stream). Live voice sessions and
 * `/api/recognize` uploads both take a slot here, hold it until they have completely ended (a session
 * still flushing its last utterance holds it), and `/healthz` reports what is free.
 *
 * Refusals: the user's own cap → `LIMIT_SESSIONS` (finish another session first); the server's cap or a
 * full start queue → `ENGINE_BUSY` (try again shortly, or on another instance).
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { VoiceError } from '@realtime-voice/shared/voice';

export interface AdmissionLimits {
  /** Live sessions (starting, running or flushing) on this server. */
  readonly maxSessions: number;
  /** Live sessions of one user (all their connections and uploads; anonymous users are one user). */
  readonly maxSessionsPerUser: number;
  /** Sessions waiting for their engine stream at once (the start queue). */
  readonly maxStarting: number;
}

/** A place taken by one recognition. */
export interface Slot {
  /** The engine stream is open (or could not be): the session leaves the start queue. Idempotent. */
  started(): void;
  /** The recognition has completely ended: its place is free. Idempotent. */
  release(): void;
}

export type Admitted =
  | { readonly ok: true; readonly slot: Slot }
  | { readonly ok: false; readonly error: VoiceError };

/** What `/healthz` reports (`capacity`). */
export interface CapacityReport {
  readonly maxSessions: number;
  readonly liveSessions: number;
  readonly freeSessions: number;
  readonly maxSessionsPerUser: number;
  readonly starting: number;
  readonly maxStarting: number;
}

export interface Admission {
  admit(userId: string): Admitted;
  readonly liveSessions: number;
  report(): CapacityReport;
}

/**
 * @example
 * const admission = createAdmission({ maxSessions: 8, maxSessionsPerUser: 2, maxStarting: 4 });
 * const admitted = admission.admit('alice');
 * if (!admitted.ok) return admitted;
 * try { … admitted.slot.started(); … } finally { admitted.slot.release(); }
 */
export function createAdmission(limits: AdmissionLimits): Admission {
  const perUser = new Map<string, number>();
  let live = 0;
  let starting = 0;

  return {
    admit(userId) {
      const mine = perUser.get(userId) ?? 0;
      if (mine >= limits.maxSessionsPerUser) {
        return refused(
          'LIMIT_SESSIONS',
          `you already have ${mine} live session${mine === 1 ? '' : 's'} (the limit per user is ${limits.maxSessionsPerUser}): stop one first`,
        );
      }
      if (live >= limits.maxSessions) {
        return refused(
          'ENGINE_BUSY',
          `the server is at its limit of ${limits.maxSessions} live sessions: try again shortly`,
        );
      }
      if (starting >= limits.maxStarting) {
        return refused(
          'ENGINE_BUSY',
          `${starting} sessions are already waiting for the speech engine: try again shortly`,
        );
      }
      live += 1;
      starting += 1;
      perUser.set(userId, mine + 1);
      let queued = true;
      let held = true;
      const started = () => {
        if (!queued) return;
        queued = false;
        starting -= 1;
      };
      return {
        ok: true,
        slot: {
          started,
          release() {
            if (!held) return;
            held = false;
            started();
            live -= 1;
            const left = (perUser.get(userId) ?? 1) - 1;
            if (left > 0) perUser.set(userId, left);
            else perUser.delete(userId);
          },
        },
      };
    },
    get liveSessions() {
      return live;
    },
    report() {
      return {
        maxSessions: limits.maxSessions,
        liveSessions: live,
        freeSessions: Math.max(0, limits.maxSessions - live),
        maxSessionsPerUser: limits.maxSessionsPerUser,
        starting,
        maxStarting: limits.maxStarting,
      };
    },
  };
}

function refused(code: 'LIMIT_SESSIONS' | 'ENGINE_BUSY', message: string): Admitted {
  return { ok: false, error: { code, message } };
}

/** Memory the process needs besides its sessions (Node, the database, sockets), measured idle: ~150 MiB. */
export const BASE_MEMORY_BYTES = 160 * 1024 * 1024;
/** Per-stream cost assumed for engines that declare none (remote engines hold a socket and buffers). */
export const DEFAULT_STREAM_MEMORY_BYTES = 8 * 1024 * 1024;
/** Share of the memory limit sessions may plan for (headroom for allocator slack and bursts). */
const MEMORY_SHARE = 0.8;

/**
 * The default server-wide cap: as many sessions of the costliest engine as fit in the instance's memory
 * beside the process itself and, when the per-stream CPU is known, in its cores; at least 1.
 *
 * @example
 * defaultMaxSessions({ memoryLimitBytes: 1024 ** 3, streamMemoryBytes: 96 * 1024 ** 2 }); // 6
 * defaultMaxSessions({ memoryLimitBytes: 4 * 1024 ** 3, streamMemoryBytes: 32 * 1024 ** 2, cores: 1, streamCpuCores: 0.14 }); // 7
 */
export function defaultMaxSessions(options: {
  readonly memoryLimitBytes: number;
  readonly streamMemoryBytes: number;
  /** Cores the process may use (cgroup quota, else CPUs). */
  readonly cores?: number;
  /** Share of a core one real-time stream keeps busy. */
  readonly streamCpuCores?: number;
}): number {
  const usable = options.memoryLimitBytes * MEMORY_SHARE - BASE_MEMORY_BYTES;
  const byMemory = Math.floor(usable / Math.max(1, options.streamMemoryBytes));
  const { cores, streamCpuCores } = options;
  const byCpu =
    cores !== undefined && streamCpuCores !== undefined && streamCpuCores > 0
      ? Math.floor(cores / streamCpuCores + 1e-9)
      : Number.POSITIVE_INFINITY;
  return Math.max(1, Math.min(byMemory, byCpu));
}

/**
 * The memory this process may use: the cgroup limit (v2 `memory.max`, v1 `memory.limit_in_bytes`; what a
 * container such as Cloud Hosting's is given) when there is one below the host's memory, else the host's.
 */
export function memoryLimitBytes(
  read: (path: string) => string | undefined = readText,
  hostBytes: number = totalmem(),
): number {
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    const raw = read(path)?.trim();
    if (raw && /^\d+$/.test(raw)) {
      const bytes = Number(raw);
      if (bytes > 0 && bytes < hostBytes) return bytes;
    }
  }
  return hostBytes;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
