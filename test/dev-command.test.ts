/**
 * @module dev-command.test — `npm run dev` as a developer runs it, in its own process group on free
 * loopback ports: the backend and uni's H5 dev server both come up; the dev server forwards `/api` and
 * Socket.IO (a real WebSocket through the proxy) to the backend; a changed backend source file restarts
 * the backend; and every process of the tree is gone after Ctrl-C (SIGINT to the group), SIGTERM to the
 * group, or SIGTERM to `npm run dev` alone (npm does not pass that one on: scripts/dev.mjs notices).
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Dev {
  readonly child: ChildProcess;
  /** Every process seen under it, killed after the test if still there. */
  readonly pids: number[];
  readonly apiPort: number;
  /** Resolves when the combined output matches `pattern` `count` times; rejects after `ms`. */
  until(pattern: RegExp, count?: number, ms?: number): Promise<string>;
  output(): string;
}

const started: Dev[] = [];

async function startDev(): Promise<Dev> {
  const apiPort = await freePort();
  const h5Port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(apiPort),
    DEV_H5_PORT: String(h5Port),
    DATABASE_URL: ':memory:',
    LOG_LEVEL: 'info',
  };
  delete env.INIT_CWD;
  // detached: its own process group, as a terminal gives a command (Ctrl-C signals the whole group).
  const child = spawn('npm', ['run', 'dev'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    // Without colour codes: with CI set, vite colours its output even into a pipe (picocolors).
    text += stripVTControlCharacters(chunk.toString('utf8'));
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const dev: Dev = {
    child,
    pids: [],
    apiPort,
    output: () => text,
    until: (pattern, count = 1, ms = 90_000) =>
      new Promise((resolve, reject) => {
        const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
        const check = () => {
          const matches = [...text.matchAll(global)];
          if (matches.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(matches[count - 1]?.[0] ?? '');
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} ×${count} within ${ms} ms; output:\n${text.slice(-3000)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
  started.push(dev);
  return dev;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process under `root` now (scripts/dev.mjs puts each side in a process group of its own). */
function tree(root: number): number[] {
  const parents = new Map<number, number[]>();
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  for (const line of ps.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
  }
  const all = [root];
  for (let i = 0; i < all.length; i += 1) all.push(...(parents.get(all[i] ?? -1) ?? []));
  return all;
}

/** Polls until none of `pids` is left (a process's end in another tree has no event to await). */
async function allGone(pids: readonly number[], ms: number): Promise<void> {
  const began = performance.now();
  while (pids.some(alive)) {
    if (performance.now() - began > ms) {
      throw new Error(`still running after ${ms} ms: ${pids.filter(alive).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Both sides up: the backend listening and the H5 dev server's URL printed. Returns that URL and every
 * process of the tree (npm, dev.mjs, both npm scripts, tsx watch, the server, uni, esbuild …).
 */
async function ready(dev: Dev): Promise<{ url: string; pids: number[] }> {
  await dev.until(/"event":"server\.listening"/);
  const local = await dev.until(/Local:\s+http:\/\/\S+/);
  const pids = tree(dev.child.pid ?? 0);
  dev.pids.push(...pids);
  // npm, dev.mjs, sh + npm + sh + tsx + server, sh + npm + sh + uni (+ esbuild): at least 10.
  expect(pids.length).toBeGreaterThanOrEqual(10);
  return { url: (local.match(/http:\/\/\S+/)?.[0] ?? '').replace(/\/$/, ''), pids };
}

afterEach(() => {
  for (const dev of started.splice(0)) {
    for (const pid of dev.pids.filter(alive)) process.kill(pid, 'SIGKILL');
  }
});

describe('npm run dev', () => {
  it('serves the H5 app, forwards /api and Socket.IO to the backend, restarts the backend on a change, and SIGTERM to the group stops all', async () => {
    const dev = await startDev();
    const { url: h5, pids } = await ready(dev);

    const page = await fetch(`${h5}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="app">/);
    const stats = await fetch(`${h5}/api/stats?tz=Asia/Shanghai`);
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ timeZone: 'Asia/Shanghai', days: 30 });

    // Socket.IO over a real WebSocket through the dev server's proxy, as the H5 page connects.
    const socket = io(`${h5}/realtime-voice`, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    socket.disconnect();

    // A saved backend file (a new mtime is what an editor's save gives the watcher) restarts the backend.
    const now = new Date();
    utimesSync(join(ROOT, 'backend', 'src', 'config.ts'), now, now);
    await dev.until(/"event":"server\.listening"/, 2);
    expect(dev.output()).toMatch(/\[tsx\] change in .*config\.ts Restarting/);
    expect((await fetch(`${h5}/api/stats`)).status).toBe(200);

    process.kill(-(dev.child.pid ?? 0), 'SIGTERM');
    await allGone(pids, 20_000);
    // The server drained and closed: not killed mid-way (tsx watch SIGKILLs on a second signal).
    expect(dev.output()).toMatch(/"event":"server\.closed"/);
  }, 180_000);

  it('stops every process on Ctrl-C (SIGINT to the group)', async () => {
    const dev = await startDev();
    const { pids } = await ready(dev);
    process.kill(-(dev.child.pid ?? 0), 'SIGINT');
    await allGone(pids, 20_000);
    expect(dev.output()).toMatch(/"event":"server\.closed"/);
    expect(dev.output()).not.toMatch(/Force killing/);
  }, 120_000);

  it('stops every process when only npm run dev gets SIGTERM', async () => {
    const dev = await startDev();
    const { pids } = await ready(dev);
    process.kill(dev.child.pid ?? 0, 'SIGTERM');
    await allGone(pids, 20_000);
    expect(dev.output()).toMatch(/"event":"server\.closed"/);
  }, 120_000);
});
