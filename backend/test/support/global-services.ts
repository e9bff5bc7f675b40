/**
 * @module global-services — vitest `globalSetup` of the backend project: starts one real MariaDB
 * (`mariadbd`) and one real `redis-server` for the whole run, on loopback, on free ports, with data in a
 * fresh temp directory, and stops them (and deletes the data) at the end.
 *
 * Tests reach them through `inject('mysqlAdminUrl')` / `inject('redisUrl')` (see `services.ts`). Both start
 * in parallel in ~2 s. Neither is a system service here: CI installs the Debian packages (`scripts/setup.sh`)
 * and runs as root, so `mariadbd` gets `--user=root`. When a binary is missing (a developer machine
 * without them), the value is undefined and `unavailable` says why, so the tests that need it are skipped
 * with that reason in their name rather than failing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `mysql://root@127.0.0.1:<port>/` of the run's MariaDB, or undefined (see `servicesUnavailable`). */
    mysqlAdminUrl: string | undefined;
    /** `redis://127.0.0.1:<port>` of the run's redis-server, or undefined. */
    redisUrl: string | undefined;
    /** Why a service is missing, per service. */
    servicesUnavailable: { mysql?: string; redis?: string };
  }
}

const run = promisify(execFile);
const MARIADBD = '/usr/sbin/mariadbd';
const START_TIMEOUT_MS = 30_000;

export interface Service {
  readonly url: string;
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'rv-services-'));
  const [mysql, redis] = await Promise.allSettled([startMariadb(join(dir, 'mysql')), startRedis(dir)]);
  const teardown = async () => {
    await Promise.all(
      [mysql, redis].map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)),
    );
    await rm(dir, { recursive: true, force: true });
  };
  const unavailable: { mysql?: string; redis?: string } = {};
  if (mysql.status === 'rejected')
    unavailable.mysql = String((mysql.reason as Error).message ?? mysql.reason);
  if (redis.status === 'rejected')
    unavailable.redis = String((redis.reason as Error).message ?? redis.reason);
  // In CI the packages are installed (`scripts/setup.sh`): a service that cannot start is a broken
  // machine, not a reason to skip every MySQL and multi-instance test quietly.
  if (process.env.CI === 'true' && (unavailable.mysql || unavailable.redis)) {
    await teardown();
    throw new Error(
      `CI=true but the test services could not start:${unavailable.mysql ? `\n  mariadbd: ${unavailable.mysql}` : ''}${unavailable.redis ? `\n  redis-server: ${unavailable.redis}` : ''}`,
    );
  }
  project.provide('mysqlAdminUrl', mysql.status === 'fulfilled' ? mysql.value.url : undefined);
  project.provide('redisUrl', redis.status === 'fulfilled' ? redis.value.url : undefined);
  project.provide('servicesUnavailable', unavailable);
  return teardown;
}

/** A throwaway MariaDB with its data in `dataDir` (created), root without password, on a free port. */
export async function startMariadb(dataDir: string): Promise<Service> {
  if (!existsSync(MARIADBD)) throw new Error('mariadbd not installed (apt-get install mariadb-server)');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  await run(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...user,
    ],
    { timeout: START_TIMEOUT_MS },
  );
  return startWithRetries(async () => {
    const port = await freePort();
    const child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...user,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        `--socket=${join(dataDir, 'mysqld.sock')}`,
        `--pid-file=${join(dataDir, 'mysqld.pid')}`,
        // Small and fast: test data is tiny and disposable.
        '--innodb-buffer-pool-size=32M',
        '--innodb-log-file-size=16M',
        '--innodb-flush-log-at-trx-commit=0',
        '--skip-log-bin',
        '--max-connections=500',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await readyLine(child, 'stderr', /ready for connections/, 'mariadbd');
    return { url: `mysql://root@127.0.0.1:${port}/`, stop: () => stop(child) };
  });
}

/**
 * A throwaway redis-server (no persistence) on loopback; `dir` is its working directory. On a free port,
 * or on `port` (a test bringing "the same" Redis back after stopping it).
 */
export async function startRedis(dir: string, port?: number): Promise<Service> {
  return startWithRetries(async () => {
    const chosen = port ?? (await freePort());
    // It logs to stdout; stderr is not read, so it must not be a pipe that could fill up.
    const child = spawn(
      'redis-server',
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await readyLine(child, 'stdout', /Ready to accept connections/, 'redis-server');
    return { url: `redis://127.0.0.1:${chosen}`, stop: () => stop(child) };
  });
}

/** A free port can be taken by someone else before the server binds it: try a few times. */
async function startWithRetries(start: () => Promise<Service>): Promise<Service> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      last = error;
      if (error instanceof Error && /ENOENT|not installed/.test(error.message)) break;
    }
  }
  throw last;
}

function readyLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  name: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const onData = (data: Buffer) => {
      output = (output + data.toString()).slice(-4000);
      if (pattern.test(output)) {
        cleanup();
        // Keep draining the pipe so the server never blocks on a full one.
        child[stream]?.resume();
        resolve();
      }
    };
    const onExit = (code: number | null) => fail(new Error(`${name} exited (${code}) at start:\n${output}`));
    const onError = (error: Error) =>
      fail(
        new Error(`${name} could not start (${(error as Error & { code?: string }).code}): ${error.message}`),
      );
    const cleanup = () => {
      clearTimeout(timer);
      child[stream]?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const fail = (error: Error) => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    child[stream]?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
    killOnExit(child);
  });
}

/**
 * The teardown stops the servers when the run ends normally, tests failed or not. If the test process
 * itself exits without it (a signal, a crash in vitest), kill them on the way out rather than leave a
 * mariadbd or redis-server behind.
 */
function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
