/**
 * @module dev-command.test — `npm run dev` as a developer runs it, in its own process group on free
 * loopback ports: the backend and uni's H5 dev server both come up; the dev server forwards `/api` and
 * Socket.IO (a real WebSocket through the proxy) to the backend; a changed backend source file restarts
 * the backend; and every process of the tree is gone after Ctrl-C (SIGINT to the group), SIGTERM to the
 * group, or SIGTERM to `npm run dev` alone (npm does not pass that one on: scripts/dev.mjs notices).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    text += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const dev: Dev = {
    child,
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

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until no process of the group is left (a group's end has no event to await). */
async function groupGone(pgid: number, ms: number): Promise<number> {
  const began = performance.now();
  while (groupAlive(pgid)) {
    if (performance.now() - began > ms) throw new Error(`process group ${pgid} still running after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - began;
}

/** Both sides up: the backend listening and the H5 dev server's URL printed. Returns that URL. */
async function ready(dev: Dev): Promise<string> {
  await dev.until(/"event":"server\.listening"/);
  const local = await dev.until(/Local:\s+http:\/\/\S+/);
  return (local.match(/http:\/\/\S+/)?.[0] ?? '').replace(/\/$/, '');
}

afterEach(() => {
  for (const dev of started.splice(0)) {
    if (dev.child.pid && groupAlive(dev.child.pid)) process.kill(-dev.child.pid, 'SIGKILL');
  }
});

describe('npm run dev', () => {
  it('serves the H5 app, forwards /api and Socket.IO to the backend, restarts the backend on a change, and SIGTERM to the group stops all', async () => {
    const dev = await startDev();
    const h5 = await ready(dev);

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

    const pgid = dev.child.pid ?? 0;
    process.kill(-pgid, 'SIGTERM');
    await groupGone(pgid, 20_000);
    expect(dev.output()).toMatch(/"event":"server\.closed"/);
  }, 180_000);

  it('stops every process on Ctrl-C (SIGINT to the group)', async () => {
    const dev = await startDev();
    await ready(dev);
    const pgid = dev.child.pid ?? 0;
    process.kill(-pgid, 'SIGINT');
    await groupGone(pgid, 20_000);
    expect(dev.output()).toMatch(/"event":"server\.closed"/);
  }, 120_000);

  it('stops every process when only npm run dev gets SIGTERM', async () => {
    const dev = await startDev();
    await ready(dev);
    const pgid = dev.child.pid ?? 0;
    process.kill(pgid, 'SIGTERM');
    await groupGone(pgid, 20_000);
  }, 120_000);
});
