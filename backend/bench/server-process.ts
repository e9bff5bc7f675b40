/**
 * @module server-process — the real server in a child process (`server-child.ts`) for the benchmarks, the
 * fuzz and the soak harness: loopback, a free port, the environment given (anonymous auth unless told
 * otherwise), its RSS read from `/proc/<pid>/status`, stopped by closing its stdin (SIGKILL after 12 s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BACKEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerChild {
  readonly url: string;
  readonly pid: number;
  /** False once the process exited (for whatever reason). */
  readonly alive: boolean;
  stop(): Promise<void>;
}

/**
 * @example
 * const child = await startServerChild({ DATABASE_URL: `file:${dir}/voice.db` });
 * console.log(rssBytes(child.pid));
 * await child.stop();
 */
export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/server-child.ts'], {
    cwd: BACKEND_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_ALLOW_ANONYMOUS: 'true',
      LOG_LEVEL: 'warn',
      MALLOC_ARENA_MAX: '2',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let alive = true;
  const exited = new Promise<void>((done) =>
    proc.once('exit', () => {
      alive = false;
      done();
    }),
  );
  const url = await new Promise<string>((done, fail) => {
    let buffered = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error('server child did not start in 30 s'));
    }, 30_000);
    proc.stdout?.on('data', (data: Buffer) => {
      buffered += data.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        done((JSON.parse(line) as { url: string }).url);
      }
    });
    void exited.then(() => fail(new Error('server child exited at start')));
  });
  return {
    url,
    pid: proc.pid ?? -1,
    get alive() {
      return alive;
    },
    async stop() {
      proc.stdin?.end();
      const force = setTimeout(() => proc.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** VmRSS of a process, in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
