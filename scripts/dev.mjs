/**
 * @module dev — `npm run dev` (H5) and `npm run dev:mp-weixin | dev:mp-alipay | dev:mp-toutiao`: the
 * backend with restart-on-change (`tsx watch`) beside the app's dev build, run together by
 * `concurrently` (output prefixed per process).
 *
 * - H5: uni's dev server with hot reload; it forwards `/api` and `/socket.io` to the backend
 *   (`frontend/vite.config.ts`), so the page talks to its own origin as in production — no CORS setup.
 * - Mini-programs: a watch build into `frontend/dist/dev/<target>` to open in the vendor's DevTools,
 *   pointed at this backend (`VITE_SERVER_URL=http://127.0.0.1:$PORT` unless you set it).
 *
 * Ctrl-C or SIGTERM (to this process or its whole group) stops every process: each side runs in a
 * process group of its own and gets the signal once (decision 0026); when one side exits (a port in
 * use, a crash at start), the other is stopped too, so nothing is left half-running.
 *
 * Environment: `PORT` (backend, default 3000; a fixed port — the app's dev build points at it),
 * `DEV_H5_PORT` (H5 dev server, default 5173); everything else goes to both as usual (`.env` files of
 * `frontend/`, the backend's variables).
 */
import { spawn } from 'node:child_process';
import {
  createConcurrently,
  KillOnSignal,
  KillOthers,
  LogError,
  LogExit,
  Logger,
  LogOutput,
} from 'concurrently';

const TARGETS = {
  h5: 'H5 dev server with hot reload; open the Local URL it prints',
  'mp-weixin':
    'watch build → import frontend/dist/dev/mp-weixin in WeChat DevTools (详情 → 本地设置 → 不校验合法域名)',
  'mp-alipay': 'watch build → open frontend/dist/dev/mp-alipay in Alipay Mini Program Studio',
  'mp-toutiao': 'watch build → open frontend/dist/dev/mp-toutiao in Douyin DevTools',
};

const target = process.argv[2] ?? 'h5';
if (!Object.hasOwn(TARGETS, target) || process.argv.length > 3) {
  process.stderr.write(
    `dev: unknown target ${process.argv.slice(2).join(' ')}; one of: ${Object.keys(TARGETS).join(', ')}\n`,
  );
  process.exit(1);
}
const port = process.env.PORT ?? '3000';
if (!/^[1-9]\d{0,4}$/.test(port) || Number(port) > 65_535) {
  process.stderr.write(
    `dev: PORT=${port}: give the backend a fixed port from 1 to 65535 (the app's dev build points at it)\n`,
  );
  process.exit(1);
}
const appEnv =
  target === 'h5' ? {} : { VITE_SERVER_URL: process.env.VITE_SERVER_URL ?? `http://127.0.0.1:${port}` };

process.stdout.write(
  `dev: backend on http://127.0.0.1:${port} (restarts on change); ${target}: ${TARGETS[target]}\n`,
);

// Each command runs in its own process group and gets one stop signal for the whole group, as a
// terminal's Ctrl-C gives a job. concurrently's defaults (tree-kill, and the terminal's own signal to
// every process) made `tsx watch` see two signals, and its second one SIGKILLs the server mid-drain.
const posix = process.platform !== 'win32';
const signalled = new Set();
const stopGroup = (pid, signal = 'SIGTERM') => {
  if (signal !== 'SIGKILL' && signalled.has(pid)) return;
  signalled.add(pid);
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
};
const logger = new Logger({ prefixFormat: 'name' });
const abortController = new AbortController();
const { result } = createConcurrently(
  [
    {
      name: 'api',
      command: 'npm run dev -w @realtime-voice/backend',
      env: { PORT: port },
      prefixColor: 'cyan',
    },
    {
      name: target,
      command: `npm run dev:${target} -w @realtime-voice/frontend`,
      env: appEnv,
      prefixColor: 'magenta',
    },
  ],
  {
    logger,
    outputStream: process.stdout,
    abortSignal: abortController.signal,
    ...(posix && {
      spawn: (command, options) => spawn('/bin/sh', ['-c', command], { ...options, detached: true }),
      kill: stopGroup,
    }),
    controllers: [
      new LogError({ logger }),
      new LogOutput({ logger }),
      new LogExit({ logger }),
      new KillOnSignal({ process, abortController }),
      // One side exiting (a port in use, a crash at start) stops the other: nothing left half-running.
      new KillOthers({ logger, abortController, conditions: ['failure', 'success'], killSignal: 'SIGTERM' }),
    ],
  },
);

// A parent that dies without passing its signal on (a SIGTERM to `npm run dev` alone: npm exits without
// forwarding it) leaves this process orphaned: stop as if signalled, so nothing keeps running unseen.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 500).unref();

// Stopped by a signal: concurrently already ended both; exit 0 for Ctrl-C as shells expect, else 1.
result.then(
  () => process.exit(0),
  (events) => process.exit(events.every((event) => event.exitCode === 0) ? 0 : 1),
);
