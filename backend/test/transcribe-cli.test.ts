/**
 * `npm run transcribe` as a user runs it: a separate process streaming a WAV through our client to a
 * running server, printing finals on stdout and partials on stderr.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { encodeWav } from '../src/audio/wav';
import { concat, loud, quiet } from './support/fake-engine';
import { emptyDir, startTestServer } from './support/server';
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
