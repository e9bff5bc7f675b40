/**
 * @module server-process — the real server in a child process (`server-child.ts`) for the benchmarks, the
 * fuzz and the soak harness: loopback, a free port, the environment given (anonymous auth unless told
 * otherwise), its RSS read from `/proc/<pid>/status`, stopped by closing its stdin (SIGKILL after 12 s);
 * and our client connecting to it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket, webSocketTransport } from '@realtime-voice/shared/socketio';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import { sign } from 'hono/jwt';
import WebSocket from 'ws';

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

const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

export interface SecuredServer {
  readonly child: ServerChild;
  /** A token for `user`, valid for `seconds`. */
  token(user: string, seconds: number): Promise<string>;
  /** Stops the server and removes its temp directory. */
  stop(): Promise<void>;
}

/**
 * The server as it faces the internet: production mode, signed tokens, anonymous use off, the real
 * pocketsphinx engine, a temp SQLite file (the fuzz and the soak attack this one).
 *
 * @example
 * const server = await startSecuredServer('rv-fuzz-');
 * const token = await server.token('alice', 600);
 */
export async function startSecuredServer(prefix: string): Promise<SecuredServer> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const child = await startServerChild({
    DATABASE_URL: `file:${join(dir, 'voice.db')}`,
    AUTH_TOKEN_SECRET: SECRET,
    AUTH_ALLOW_ANONYMOUS: 'false',
    NODE_ENV: 'production',
    STATIC_DIR: join(dir, 'no-app'),
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    child,
    token(user, seconds) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ sub: user, iat: now, exp: now + seconds }, SECRET, 'HS256');
    },
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Our client on `/realtime-voice` over `ws`, no reconnection; resolves once connected.
 *
 * @example
 * const socket = await connectVoiceClient(child.url, { token });
 */
export function connectVoiceClient(
  url: string,
  options: { readonly token?: string; readonly timeoutMs?: number } = {},
): Promise<Socket> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const socket: Socket = io(`${url}${VOICE_NAMESPACE}`, {
    transport: webSocketTransport(WebSocket),
    forceNew: true,
    reconnection: false,
    ...(options.token === undefined ? {} : { auth: { token: options.token } }),
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`connect timed out (${timeoutMs} ms)`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      done(socket);
    });
    socket.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      fail(error);
    });
  });
}
