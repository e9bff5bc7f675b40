/**
 * @module model-fetch.test — `npm run model:fetch` against a local HTTP server serving a small archive
 * laid out like the k2-fsa release (the real one cannot be downloaded here): verified, unpacked,
 * `SHA256SUMS` written and then honoured by the engine; a checksum mismatch or HTTP error unpacks nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_FILE, createSherpaEngine, RECOMMENDED_MODEL } from '../src/speech/sherpa';
import { emptyDir } from './support/server';

const BACKEND = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = join(BACKEND, '..', 'node_modules', '.bin', 'tsx');
const STAND_IN = join(BACKEND, 'test', 'support', 'fake-sherpa-onnx.cjs');
const run = promisify(execFile);

let server: Server;
let base: string;
let archive: Buffer;
let archiveSha: string;
let downloads = 0;

beforeAll(async () => {
  const source = emptyDir();
  const dir = join(source, RECOMMENDED_MODEL.name);
  mkdirSync(join(dir, 'test_wavs'), { recursive: true });
  for (const name of Object.values(RECOMMENDED_MODEL.files))
    writeFileSync(join(dir, name), `content of ${name}`);
  writeFileSync(join(dir, 'encoder-epoch-99-avg-1.int8.onnx'), 'int8 encoder');
  const path = join(source, 'model.tar.bz2');
  await run('tar', ['-cjf', path, '-C', source, RECOMMENDED_MODEL.name]);
  archive = readFileSync(path);
  archiveSha = createHash('sha256').update(archive).digest('hex');
  server = createServer((request, response) => {
    if (request.url === '/asr-models/model.tar.bz2') {
      downloads += 1;
      response.writeHead(200, { 'content-length': archive.length });
      response.end(archive);
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/asr-models`;
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

async function fetchModel(args: readonly string[]) {
  try {
    const { stdout, stderr } = await run(TSX, ['scripts/model-fetch.ts', ...args], {
      cwd: BACKEND,
      timeout: 60_000,
      env: { ...process.env, INIT_CWD: BACKEND },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run model:fetch', () => {
  it('downloads, verifies, unpacks, writes SHA256SUMS and prints the directory; the engine accepts it', async () => {
    const out = emptyDir();
    const result = await fetchModel(['--dir', out, '--url', `${base}/model.tar.bz2`, '--sha256', archiveSha]);
    expect(result.code, result.stderr).toBe(0);
    const modelDir = join(out, RECOMMENDED_MODEL.name);
    expect(result.stdout.trim()).toBe(modelDir);
    expect(result.stderr).toContain(`sha256 ${archiveSha} verified against --sha256`);
    const sums = readFileSync(join(modelDir, CHECKSUM_FILE), 'utf8');
    const tokensSha = createHash('sha256')
      .update(`content of ${RECOMMENDED_MODEL.files.tokens}`)
      .digest('hex');
    expect(sums).toContain(`${tokensSha}  tokens.txt`);
    expect(sums.trim().split('\n')).toHaveLength(5);
    expect(readFileSync(join(out, `${RECOMMENDED_MODEL.name}.tar.bz2.sha256`), 'utf8')).toContain(archiveSha);
    expect(existsSync(join(out, `${RECOMMENDED_MODEL.name}.tar.bz2`))).toBe(false);

    // Engines start worker threads: closed in finally, so a failed expectation leaves none behind.
    const engine = createSherpaEngine({ modelDir, modulePath: STAND_IN, skipProbe: true });
    try {
      expect(await engine.whenLoaded()).toEqual({ ready: true });
    } finally {
      await engine.close();
    }

    // Run again: verified in place, not downloaded again.
    const before = downloads;
    const again = await fetchModel(['--dir', out, '--url', `${base}/model.tar.bz2`, '--sha256', archiveSha]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already present; its 5 model files match');
    expect(downloads).toBe(before);

    // A file damaged after the fetch is caught by the engine at its next start.
    writeFileSync(join(modelDir, 'encoder-epoch-99-avg-1.int8.onnx'), 'bit rot');
    const damaged = createSherpaEngine({ modelDir, modulePath: STAND_IN, skipProbe: true });
    try {
      expect(await damaged.whenLoaded()).toMatchObject({
        ready: false,
        message: expect.stringContaining('encoder-epoch-99-avg-1.int8.onnx is corrupt'),
      });
    } finally {
      await damaged.close();
    }
  }, 60_000);

  it('never calls a model "present" on a SHA256SUMS that does not list its files: it downloads again', async () => {
    const out = emptyDir();
    const modelDir = join(out, RECOMMENDED_MODEL.name);
    mkdirSync(modelDir);
    for (const name of Object.values(RECOMMENDED_MODEL.files))
      writeFileSync(join(modelDir, name), 'unverified');
    writeFileSync(join(modelDir, CHECKSUM_FILE), '');
    const before = downloads;
    const result = await fetchModel(['--dir', out, '--url', `${base}/model.tar.bz2`, '--sha256', archiveSha]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('already present');
    expect(result.stderr).toContain('downloading again');
    expect(downloads).toBe(before + 1);
    expect(readFileSync(join(modelDir, CHECKSUM_FILE), 'utf8').trim().split('\n')).toHaveLength(5);
  }, 60_000);

  it('stops on a checksum mismatch (the pinned third-party value here), printing the hash it got', async () => {
    const out = emptyDir();
    const result = await fetchModel(['--dir', out, '--url', `${base}/model.tar.bz2`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the download has sha256 ${archiveSha}`);
    expect(result.stderr).toContain(RECOMMENDED_MODEL.archiveSha256);
    expect(result.stderr).toContain('third-party');
    expect(result.stderr).not.toContain('verified against');
    expect(existsSync(join(out, RECOMMENDED_MODEL.name))).toBe(false);
  }, 60_000);

  it('reports an HTTP error and a bad --sha256 clearly', async () => {
    const out = emptyDir();
    const missing = await fetchModel(['--dir', out, '--url', `${base}/nope.tar.bz2`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('HTTP 404');
    const bad = await fetchModel(['--dir', out, '--sha256', 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--sha256 must be 64 hex digits');
  }, 60_000);
});
