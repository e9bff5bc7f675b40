/**
 * `npm run transcribe` as a user runs it: a separate process streaming a WAV through our client to a
 * running server, printing finals on stdout and partials on stderr.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeWav } from '../src/audio/wav';
import type { RunningServer } from '../src/server';
import { concat, createFakeEngine, loud, quiet } from './support/fake-engine';
import { emptyDir, startTestServer, TEST_SECRET } from './support/server';
import { tokenFor } from './support/tokens';

const BACKEND = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = join(BACKEND, '..', 'node_modules', '.bin', 'tsx');

let server: RunningServer;
let wav: string;

beforeAll(async () => {
  server = await startTestServer();
  wav = join(emptyDir(), 'two.wav');
  writeFileSync(wav, encodeWav(concat(loud(400), quiet(400), loud(400), quiet(400))));
});
afterAll(() => server.close());

function transcribe(args: string[]) {
  return promisify(execFile)(TSX, ['scripts/transcribe.ts', ...args], { cwd: BACKEND, timeout: 60_000 }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm run transcribe', () => {
  it('prints each final on stdout and the partials on stderr', async () => {
    const token = await tokenFor('cli-user');
    const result = await transcribe([wav, '--url', server.url, '--token', token]);
    expect(result.stderr).toMatch(/at real-time pace/);
    expect(result.stdout.trim().split('\n')).toEqual(['utterance 1', 'utterance 2']);
    expect(result.stderr).toMatch(/partial: speaking/);
    expect(result.stderr).toMatch(/done: 2 utterance/);
    expect(result.code).toBe(0);
    const history = await server.repository.list('cli-user', { limit: 10 });
    expect(history.records).toHaveLength(2);
  }, 60_000);

  it('says why it cannot run: refused connection, missing file', async () => {
    const refused = await transcribe([wav, '--url', server.url, '--fast']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot connect .*no identity/);
    const missing = await transcribe([join(emptyDir(), 'nope.wav')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT|no such file/);
  }, 60_000);
});

// @module cli-edge-cases.test — the developer command-line tools on the paths where they used to mislead
// (each case failed before its fix), run as separate processes the way a user runs them:
// - `npm run transcribe`: a session ended early by a `session-error` (engine failure, byte limit) exits 2,
// not 0; a server gone mid-stream ends the run at once (exit 2) instead of waiting 120 s for `stop`;
// `--url` with a query string, a fragment or the `/realtime-voice` path still reaches the namespace, and
// one without a scheme is a usage error; Ctrl-C prints the finals of what was sent (the server stores
// them) before exiting 130; the WAV path is resolved from the folder the command was typed in.
// - `npm run token -w @realtime-voice/backend`: a user id the server would refuse gets a usage error, no token.
// - `--help` of both explains every option they parse; audio in another format (8 kHz stereo, not a WAV)
// is refused with the exact sox and ffmpeg commands, and the printed sox command makes a file that works.
// - `npm run model:fetch`: a failed download names its cause and the next step; a `--dir` it cannot create
// is one line, not a stack trace.
// - The Dockerfile's runtime stage: `MALLOC_ARENA_MAX` takes effect for the process the image runs.
describe('the developer tools where they used to mislead', () => {
  const BACKEND = join(dirname(fileURLToPath(import.meta.url)), '..');
  const ROOT = join(BACKEND, '..');

  interface Run {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** False when the process had to be killed after `exitWithinMs`. */
    readonly exitedByItself: boolean;
  }

  /**
   * Runs a backend script as `tsx` would, in one process (so signals reach the script itself).
   * `onStderr` sees the stderr so far after every chunk; `exitWithinMs` kills a process that hangs.
   */
  function runScript(
    script: string,
    args: readonly string[],
    options: {
      readonly env?: Record<string, string>;
      readonly exitWithinMs?: number;
      readonly onStderr?: (stderr: string, child: ReturnType<typeof spawn>) => void;
    } = {},
  ): Promise<Run> {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    delete env.INIT_CWD;
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: BACKEND,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    return new Promise((resolve) => {
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, options.exitWithinMs ?? 60_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, exitedByItself: !killed });
      });
    });
  }

  /** `count` utterances for the fake engine: 400 ms loud, 400 ms quiet each. */
  function speechWav(count: number): string {
    const path = join(emptyDir(), `speech-${count}.wav`);
    const parts = Array.from({ length: count }, () => concat(loud(400), quiet(400)));
    writeFileSync(path, encodeWav(concat(...parts)));
    return path;
  }

  describe('npm run transcribe', () => {
    let server: RunningServer;
    let token: string;
    let two: string;
    let ten: string;

    beforeAll(async () => {
      server = await startTestServer();
      token = await tokenFor('cli-edge-cases');
      two = speechWav(2);
      ten = speechWav(10);
    });
    afterAll(() => server.close());

    it('exits 2, not 0, when the session ended early with a session-error (engine failure, byte limit)', async () => {
      const failing = await startTestServer({ engines: [createFakeEngine({ failAfterBytes: 60_000 })] });
      const limited = await startTestServer({ env: { SESSION_MAX_BYTES: '100000' } });
      try {
        // 8 s of audio, 2 of its 10 utterances transcribed: that is not "done".
        const failed = await runScript('scripts/transcribe.ts', [
          ten,
          '--url',
          failing.url,
          '--token',
          token,
          '--fast',
        ]);
        expect(failed.stderr).toMatch(/session ended early: ENGINE_FAILED: .*\(\d+ utterance\(s\) stored\)/);
        expect(failed.stderr).not.toMatch(/^done:/m);
        expect(failed.code).toBe(2);
        const cut = await runScript('scripts/transcribe.ts', [
          ten,
          '--url',
          limited.url,
          '--token',
          token,
          '--fast',
        ]);
        // What was recognised inside the budget is still printed before the error.
        expect(cut.stdout.trim().split('\n').length).toBeGreaterThan(0);
        expect(cut.stderr).toMatch(/session ended early: LIMIT_BYTES: /);
        expect(cut.code).toBe(2);
      } finally {
        await failing.close();
        await limited.close();
      }
    }, 60_000);

    it('stops at once with a clear message when the server goes away mid-stream', async () => {
      // Was: it kept "streaming" into the void (`reconnection: false`), then waited 120 s for the stop ack.
      const leaving = await startTestServer();
      let closing: Promise<void> | undefined;
      let closedAt = 0;
      const run = await runScript('scripts/transcribe.ts', [ten, '--url', leaving.url, '--token', token], {
        exitWithinMs: 10_000,
        onStderr: (stderr) => {
          if (!closing && /streaming/.test(stderr)) {
            closedAt = performance.now();
            closing = leaving.close();
          }
        },
      });
      await closing;
      expect(run.exitedByItself).toBe(true);
      expect(performance.now() - closedAt).toBeLessThan(5_000);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/connection lost \(transport close\): what was recognised so far is stored/);
    }, 30_000);

    it('keeps the namespace in the path when --url carries a query string and a fragment', async () => {
      // Was: `${base}${VOICE_NAMESPACE}` turned `http://host/?v=1` into the query `v=1/realtime-voice` on the
      // main namespace `/`, where `start` is never answered: 30 s, then "No ack in 30000 ms".
      const run = await runScript(
        'scripts/transcribe.ts',
        [two, '--url', `${server.url}/?v=1#top`, '--token', token, '--fast'],
        { exitWithinMs: 10_000 },
      );
      expect(run.exitedByItself).toBe(true);
      expect(run.stdout.trim().split('\n')).toEqual(['utterance 1', 'utterance 2']);
      expect(run.code).toBe(0);
    }, 30_000);

    it('accepts a --url that already names the /realtime-voice namespace', async () => {
      // The client examples use `https://host/realtime-voice`; the namespace was appended again and the
      // server answered "Invalid namespace".
      const run = await runScript('scripts/transcribe.ts', [
        two,
        '--url',
        `${server.url}/realtime-voice`,
        '--token',
        token,
        '--fast',
      ]);
      expect(run.stderr).not.toMatch(/Invalid namespace/);
      expect(run.stdout.trim().split('\n')).toEqual(['utterance 1', 'utterance 2']);
      expect(run.code).toBe(0);
    }, 30_000);

    it('refuses a --url without a scheme, or with a path other than the namespace, as a usage error', async () => {
      // `localhost:3000` parses as a URL with the scheme `localhost:`.
      for (const url of ['localhost:3000', '127.0.0.1:3000', `${server.url}/api`]) {
        const run = await runScript('scripts/transcribe.ts', [two, '--url', url]);
        expect(run.stderr, url).toMatch(
          /^transcribe: --url .*(http\(s\):\/\/host:port|the path can only be)/m,
        );
        expect(run.stderr, url).toMatch(/^usage: npm run transcribe/m);
        expect(run.code, url).toBe(1);
      }
    }, 30_000);

    it('prints the final of the utterance cut by Ctrl-C, which the server stores anyway', async () => {
      // Was: the process died with the 4th final unprinted, so `> out.txt` missed text in the history.
      const user = 'cli-edge-cases-sigint';
      const userToken = await tokenFor(user);
      let interrupted = false;
      const run = await runScript('scripts/transcribe.ts', [ten, '--url', server.url, '--token', userToken], {
        onStderr: (stderr, child) => {
          // Ctrl-C while the 4th utterance is being spoken (3 results printed, its partial shown).
          const results = stderr.split('\n').filter((line) => line.startsWith('  [')).length;
          if (!interrupted && results === 3 && /partial: speaking \d+\n$/.test(stderr)) {
            interrupted = true;
            child.kill('SIGINT');
          }
        },
      });
      expect(interrupted).toBe(true);
      const stored = await vi.waitFor(
        async () => {
          const page = await server.repository.list(user, { limit: 20 });
          expect(page.records.length).toBeGreaterThanOrEqual(4);
          return page.records;
        },
        { timeout: 10_000 },
      );
      expect(run.stdout.trim().split('\n').sort()).toEqual(stored.map((record) => record.text).sort());
      expect(run.stderr).toMatch(/interrupted: 4 utterance\(s\) stored/);
      expect(run.code).toBe(130);
    }, 60_000);

    it('quits at once on a second Ctrl-C', async () => {
      // The server holds the `stop` open until the test ends, so the second Ctrl-C always arrives while the
      // CLI waits for its finals (with a prompt `stop` it sometimes exited by itself first).
      let openStop = () => {};
      const held = await startTestServer({
        engines: [createFakeEngine({ flushGate: new Promise<void>((resolve) => (openStop = resolve)) })],
      });
      let signals = 0;
      const run = await runScript('scripts/transcribe.ts', [ten, '--url', held.url, '--token', token], {
        exitWithinMs: 10_000,
        onStderr: (stderr, child) => {
          if (signals === 0 && /partial: speaking/.test(stderr)) {
            signals = 1;
            child.kill('SIGINT');
          } else if (signals === 1 && /^interrupted:/m.test(stderr)) {
            signals = 2;
            child.kill('SIGINT');
          }
        },
      });
      openStop();
      await held.close();
      expect(signals).toBe(2);
      expect(run.exitedByItself).toBe(true);
      expect(run.stderr).toMatch(/^transcribe: interrupted$/m);
      expect(run.code).toBe(130);
    }, 30_000);

    it('resolves the WAV path from the directory the command was typed in', async () => {
      // From docs/decisions/, `../../README.md` is the repository's README. The root script used to run a
      // nested `npm run … -w`, which reset INIT_CWD to the root, so the CLI looked for /README.md instead.
      const { stderr } = await promisify(execFile)(
        'npm',
        ['run', '--silent', 'transcribe', '--', '../../README.md'],
        {
          cwd: join(ROOT, 'docs', 'decisions'),
          env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'INIT_CWD')),
          timeout: 60_000,
        },
      ).then(
        () => ({ stderr: '' }),
        (error: { stderr: string }) => error,
      );
      expect(stderr).toContain(`transcribe: ${join(ROOT, 'README.md')}:`);
    }, 60_000);
  });

  describe('npm run token', () => {
    it('refuses a user id that the server would refuse in the token it mints', async () => {
      // identity.ts refuses a `sub` with surrounding whitespace or over 128 characters (TOKEN_INVALID).
      for (const userId of [' alice', 'a'.repeat(129)]) {
        const run = await runScript('scripts/issue-token.ts', [userId], {
          env: { AUTH_TOKEN_SECRET: TEST_SECRET },
        });
        expect(run.stdout, JSON.stringify(userId)).toBe('');
        expect(run.stderr.split('\n'), JSON.stringify(userId)).toEqual([
          expect.stringMatching(/^token: user id .*: 1–128 characters, no leading or trailing whitespace$/),
          // The workspace command (the root's `npm run token` runs the same script).
          'usage: npm run token -w @realtime-voice/backend -- <userId> [--ttl 15m]',
          '',
        ]);
        expect(run.code, JSON.stringify(userId)).toBe(1);
      }
    }, 30_000);
  });

  describe('--help and audio in another format', () => {
    it('explains every option of npm run transcribe and npm run token', async () => {
      const transcribe = await runScript('scripts/transcribe.ts', ['--help']);
      expect(transcribe.code).toBe(0);
      for (const option of [
        '<file.wav>',
        '--url URL',
        '--fast',
        '--token T',
        '--engine NAME',
        '--language TAG',
        '-h, --help',
      ]) {
        expect(transcribe.stdout).toMatch(
          new RegExp(`^  ${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\S`, 'm'),
        );
      }
      expect(transcribe.stdout).toMatch(/REALTIME_VOICE_URL[\s\S]*REALTIME_VOICE_TOKEN[\s\S]*Exit codes/);
      const token = await runScript('scripts/issue-token.ts', ['-h']);
      expect(token.code).toBe(0);
      for (const option of ['<userId>', '--ttl TTL', '-h, --help']) {
        expect(token.stdout).toMatch(new RegExp(`^  ${option} +\\S`, 'm'));
      }
      expect(token.stdout).toMatch(/AUTH_TOKEN_SECRET[\s\S]*AUTH_TOKEN_TTL[\s\S]*Exit codes/);
      // Every option the scripts parse is in their help.
      for (const [script, run] of [
        ['transcribe.ts', transcribe],
        ['issue-token.ts', token],
      ] as const) {
        const source = readFileSync(join(BACKEND, 'scripts', script), 'utf8');
        const parsed = [...source.slice(source.indexOf('parseArgs(')).matchAll(/(\w+): \{ type: '/g)];
        expect(parsed.length, script).toBeGreaterThan(1);
        for (const [, name] of parsed) expect(run.stdout, `${script} --${name}`).toContain(`--${name}`);
      }
    }, 30_000);

    it.skipIf(!hasSox())(
      'gives an 8 kHz stereo WAV the sox and ffmpeg commands, and the sox one works',
      async () => {
        const dir = emptyDir();
        const original = join(dir, 'speech 16k.wav');
        writeFileSync(original, encodeWav(concat(loud(400), quiet(400), loud(400), quiet(400))));
        const stereo = join(dir, "Ling's 8k stereo.wav");
        await promisify(execFile)('sox', [original, '-r', '8000', '-c', '2', stereo]);

        const server = await startTestServer();
        try {
          const refused = await runScript('scripts/transcribe.ts', [stereo, '--url', server.url, '--fast']);
          expect(refused.code).toBe(1);
          expect(refused.stderr).toMatch(/got 8 kHz, 2 channels, 16-bit/);
          const converted = join(dir, "Ling's 8k stereo-16k-mono.wav");
          const quoted = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;
          const lines = refused.stderr.split('\n').map((line) => line.trim());
          expect(lines).toContain(
            `ffmpeg -i ${quoted(stereo)} -ar 16000 -ac 1 -c:a pcm_s16le ${quoted(converted)}`,
          );
          const sox = lines.find((line) => line.startsWith('sox '));
          expect(sox).toBe(
            `sox ${quoted(stereo)} -r 16000 -c 1 -b 16 -e signed-integer ${quoted(converted)}`,
          );
          // The command as printed, through a shell: its output is what the server takes.
          await promisify(execFile)('bash', ['-c', sox ?? 'false'], { cwd: dir });
          const done = await runScript('scripts/transcribe.ts', [
            converted,
            '--url',
            server.url,
            '--token',
            await tokenFor('cli-convert'),
            '--fast',
          ]);
          expect(done.stdout.trim().split('\n'), done.stderr).toEqual(['utterance 1', 'utterance 2']);
          expect(done.code).toBe(0);
        } finally {
          await server.close();
        }
      },
      60_000,
    );

    it('gives a file that is not a WAV the commands too, but not a missing file', async () => {
      const notWav = join(emptyDir(), 'voice.mp3');
      writeFileSync(notWav, 'ID3 not a wav');
      const run = await runScript('scripts/transcribe.ts', [notWav]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /Not a WAV file[\s\S]*\n {2}ffmpeg -i \S*voice\.mp3 -ar 16000 -ac 1 -c:a pcm_s16le \S*voice\.mp3-16k-mono\.wav\n/,
      );
      const missing = await runScript('scripts/transcribe.ts', [join(emptyDir(), 'nothing.wav')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/ENOENT/);
      expect(missing.stderr).not.toMatch(/sox|ffmpeg/);
    }, 30_000);
  });

  function hasSox(): boolean {
    try {
      execFileSync('sox', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  describe('npm run model:fetch', () => {
    it('says why a download failed (the cause, not just "fetch failed") and what to do', async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
      const run = await runScript('scripts/model-fetch.ts', [
        '--dir',
        emptyDir(),
        '--url',
        `http://127.0.0.1:${port}/model.tar.bz2`,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^model:fetch: download failed: fetch failed \(ECONNREFUSED\); unreachable\? pass --url with a mirror/m,
      );
    }, 30_000);

    it('reports a --dir it cannot create in one line, without a stack trace', async () => {
      const run = await runScript('scripts/model-fetch.ts', [
        '--dir',
        '/dev/null/models',
        '--url',
        'http://127.0.0.1:1/x',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'model:fetch: cannot create --dir /dev/null/models: ENOTDIR: not a directory\n',
      );
    }, 30_000);
  });

  describe('Dockerfile runtime stage', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const final = dockerfile.split(/^FROM /m).at(-1) ?? '';
    const arenaMax = /MALLOC_ARENA_MAX=(\d+)/.exec(final)?.[1];
    const caps = /setcap\s+'([^']+)'/.exec(final)?.[1];
    const user = /^USER\s+(\S+)/m.exec(final)?.[1];
    const canProbe = process.getuid?.() === 0 && process.platform === 'linux';

    it.runIf(canProbe)(
      'MALLOC_ARENA_MAX takes effect for the process the image runs',
      async () => {
        expect(arenaMax).toBeDefined();
        expect(user).not.toBe('root');
        // A glibc program run like the image runs node: with the file capabilities the Dockerfile gives the
        // node binary, as a non-root user, with the image's MALLOC_ARENA_MAX. File capabilities make glibc
        // run in secure-execution mode (AT_SECURE), where MALLOC_ARENA_MAX is ignored.
        const dir = emptyDir();
        chmodSync(dir, 0o755);
        const source = join(dir, 'arenas.c');
        writeFileSync(
          source,
          `#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
static pthread_barrier_t barrier;
static void *work(void *arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < 100000; i++) free(malloc(1000 + i % 64));
  void *kept = malloc(100);
  pthread_barrier_wait(&barrier);
  return kept;
}
int main(void) {
  pthread_t threads[16];
  pthread_barrier_init(&barrier, 0, 16);
  for (int i = 0; i < 16; i++) pthread_create(&threads[i], 0, work, 0);
  for (int i = 0; i < 16; i++) pthread_join(threads[i], 0);
  char *info; size_t length; FILE *out = open_memstream(&info, &length);
  malloc_info(0, out); fclose(out);
  int arenas = 0; for (char *p = info; (p = strstr(p, "<heap nr=")); p++) arenas++;
  printf("{\\"arenas\\":%d,\\"secure\\":%lu}\\n", arenas, getauxval(AT_SECURE));
  return 0;
}
`,
        );
        const binary = join(dir, 'arenas');
        const run = promisify(execFile);
        await run('cc', ['-O1', '-pthread', source, '-o', binary]);
        const probe = join(dir, 'probe');
        copyFileSync(binary, probe);
        chmodSync(probe, 0o755);
        if (caps) await run('setcap', [caps, probe]);
        const { stdout } = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', probe], {
          env: { PATH: process.env.PATH ?? '', MALLOC_ARENA_MAX: arenaMax! },
        });
        const { arenas, secure } = JSON.parse(stdout) as { arenas: number; secure: number };
        expect({ arenas: arenas <= Number(arenaMax), secure }).toEqual({ arenas: true, secure: 0 });
      },
      60_000,
    );
  });
});
