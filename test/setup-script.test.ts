/**
 * @module setup-script.test — the decisions of `scripts/setup.sh` (`npm run setup`), run by the real bash
 * with fake commands on PATH: `apt-get`, `dpkg-query`, `id`, `uname`, `npm` (and `node` where its
 * version matters) only record how they were called. Off Debian the script says what it cannot install
 * and still runs `npm ci` and the H5 build; on Debian without root it stops before changing anything;
 * a failed `apt-get` or a missing/old Node.js stops it with a message instead of failing half-way.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** What the script needs from the system besides the commands faked here. */
const REAL_TOOLS = ['bash', 'dirname', 'grep', 'cat'];
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Machine {
  /** Fake commands: name → shell body (run by sh; "$@" are its arguments). Absent = not on PATH. */
  readonly commands: Record<string, string>;
  /** Link the real node (for its version check); default true. */
  readonly realNode?: boolean;
}

/** Runs setup.sh on a PATH made of the real tools above and the fakes; returns the calls they logged. */
function runSetup(machine: Machine) {
  const bin = mkdtempSync(join(tmpdir(), 'rv-setup-'));
  dirs.push(bin);
  const log = join(bin, 'calls.log');
  writeFileSync(log, '');
  for (const tool of REAL_TOOLS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  if (machine.realNode !== false) symlinkSync(process.execPath, join(bin, 'node'));
  for (const [name, body] of Object.entries(machine.commands)) {
    const path = join(bin, name);
    writeFileSync(path, `#!${join(bin, 'bash')}\necho "${name} $*" >> '${log}'\n${body}\n`);
    chmodSync(path, 0o755);
  }
  const result = spawnSync(join(bin, 'bash'), [join(ROOT, 'scripts', 'setup.sh')], {
    cwd: bin,
    env: { PATH: bin, HOME: bin },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const npmOk = { npm: 'exit 0' };
const DEBIAN = {
  'apt-get': 'exit 0',
  'dpkg-query': 'exit 1', // nothing installed
  uname: 'echo Linux',
};

describe('npm run setup', () => {
  it('off Debian (macOS): says what it cannot install and what that leaves out, then runs npm ci and the H5 build', () => {
    const run = runSetup({ commands: { ...npmOk, id: 'echo 501', uname: 'echo Darwin' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/not Debian\/Ubuntu \(Darwin: no apt-get\/dpkg-query\)/);
    expect(run.stderr).toMatch(
      /cannot be installed here: libpocketsphinx3 pocketsphinx-en-us .*lame python3 make g\+\+/,
    );
    expect(run.stderr).toMatch(/pocketsphinx engine .*unavailable.*Docker image/s);
    expect(run.calls).toEqual([
      'uname -s',
      'npm ci --no-audit --no-fund',
      'npm run build:h5 -w @realtime-voice/frontend',
    ]);
    expect(run.stdout).toMatch(/setup: done$/m);
  });

  it('on Debian as root: installs only the missing packages, then npm ci', () => {
    const run = runSetup({
      commands: {
        ...npmOk,
        ...DEBIAN,
        id: 'echo 0',
        // Everything installed except sox and lame.
        'dpkg-query': `case "$*" in *sox*|*lame*) exit 1;; *) echo 'install ok installed';; esac`,
      },
    });
    expect(run.code).toBe(0);
    expect(run.calls.filter((call) => !call.startsWith('dpkg-query'))).toEqual([
      'id -u',
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends sox lame',
      'npm ci --no-audit --no-fund',
      'npm run build:h5 -w @realtime-voice/frontend',
    ]);
  });

  it('on Debian with everything installed: no apt-get, no root needed', () => {
    const run = runSetup({
      commands: { ...npmOk, ...DEBIAN, id: 'echo 1000', 'dpkg-query': "echo 'install ok installed'" },
    });
    expect(run.code).toBe(0);
    expect(run.calls.some((call) => /^(apt-get|id) /.test(call))).toBe(false);
    expect(run.calls).toContain('npm ci --no-audit --no-fund');
  });

  it('on Debian without root and packages missing: stops before changing anything, with the sudo command', () => {
    const run = runSetup({ commands: { ...npmOk, ...DEBIAN, id: 'echo 1000' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not root, so they cannot be installed from here; nothing was changed/);
    expect(run.stderr).toMatch(/^ {2}sudo apt-get install -y libpocketsphinx3 .* && npm run setup$/m);
    expect(run.calls.some((call) => /^(apt-get|npm) /.test(call))).toBe(false);
  });

  it('when apt-get fails: says so and does not go on to npm ci', () => {
    const run = runSetup({
      commands: {
        ...npmOk,
        ...DEBIAN,
        id: 'echo 0',
        'apt-get': 'case "$1" in update) exit 0;; *) exit 100;; esac',
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /apt-get could not install: libpocketsphinx3 .*npm ci and the H5 build were not run/s,
    );
    expect(run.calls.some((call) => call.startsWith('npm '))).toBe(false);
  });

  it('without Node.js, or with one older than 20.11: stops first, changing nothing', () => {
    const none = runSetup({ commands: { ...DEBIAN, id: 'echo 0' }, realNode: false });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Node\.js 20\.11 or newer \(with npm\) is needed first/);
    expect(none.calls).toEqual([]);
    const old = runSetup({
      commands: { ...npmOk, ...DEBIAN, id: 'echo 0', node: 'echo 20.10.0' },
      realNode: false,
    });
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(
      /Node\.js 20\.10\.0 is too old: 20\.11 or newer is needed; nothing was changed/,
    );
    expect(old.calls).toEqual(['node -p process.versions.node']);
  });
});
