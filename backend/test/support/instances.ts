/**
 * @module instances — backend instances as separate processes, as Cloud Hosting runs them: each is `npm
 * start`'s entry (`src/main.ts` under tsx) with its own port on 127.0.0.1 and the environment it is given
 * (a shared MySQL, a shared Redis), its JSON log lines collected, stopped with a real SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from './server';

const BACKEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 45_000;

export interface Instance {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Parsed JSON log lines so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
  /** Resolves with the exit code once the process exited (for whatever reason). */
  readonly exited: Promise<number | null>;
}

/** The environment of an instance: loopback, a free port, tokens, the real pocketsphinx engine. */
export function instanceEnv(overrides: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    AUTH_TOKEN_SECRET: TEST_SECRET,
    AUTH_ALLOW_ANONYMOUS: 'false',
    STATIC_DIR: join(BACKEND_DIR, 'no-static-app'),
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/**
 * Starts `src/main.ts` in a child process and resolves once it logged `server.listening`.
 *
 * @example
 * const a = await startInstance({ DATABASE_URL: db.url, REDIS_URL: redisUrl });
 * await a.terminate(); // SIGTERM → graceful shutdown → exit code
 */
export function startInstance(env: Readonly<Record<string, string>>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: BACKEND_DIR,
    env: instanceEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test process that exits without its teardown (a signal, a crash) must not leave instances behind
  // holding ports and database connections.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  void exited.then(() => process.off('exit', kill));
  let buffered = '';
  const listeners = new Set<(line: Record<string, unknown>) => void>();
  child.stdout?.on('data', (data: Buffer) => {
    buffered += data.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue; // not one of our log lines: a throw here would take the whole test file down
      }
      logs.push(line);
      for (const listener of listeners) listener(line);
    }
  });
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-4000);
  });

  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instance did not start within ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited (${code}) before listening:\n${stderr}`));
    });
    listeners.add((line) => {
      if (line.event !== 'server.listening') return;
      clearTimeout(timer);
      resolvePromise(instance(child, String(line.url), Number(line.port), logs, exited));
    });
  });
}

function instance(
  child: ChildProcess,
  url: string,
  port: number,
  logs: Record<string, unknown>[],
  exited: Promise<number | null>,
): Instance {
  return {
    url,
    port,
    pid: child.pid ?? -1,
    logs,
    exited,
    terminate() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Stops instances still running (test teardown): SIGTERM, then SIGKILL after a bound. */
export async function stopInstances(instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async (one) => {
      const force = setTimeout(() => {
        try {
          process.kill(one.pid, 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }, 30_000);
      await one.terminate();
      clearTimeout(force);
    }),
  );
}
