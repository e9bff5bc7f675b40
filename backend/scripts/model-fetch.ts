/**
 * @module model-fetch — download, verify and unpack the recommended sherpa-onnx model (bilingual zh-en
 * streaming zipformer) from its official k2-fsa release, on a machine with internet.
 *
 *   npm run model:fetch [-- --dir ./models] [--url <mirror>] [--sha256 <hex>] [--force]
 *
 * Prints the model directory on stdout (set SHERPA_MODEL_DIR to it); progress goes to stderr. Writes
 * `SHA256SUMS` of the unpacked files beside them (the engine checks it at every start) and the archive's
 * own hash to `<archive>.sha256`. Exit codes: 0 done, 1 usage, 2 download/unpack failed, 3 checksum
 * mismatch. Every failure is one line on stderr, never a stack trace.
 *
 * About the expected checksum: k2-fsa publishes none for release assets. The pinned value
 * (`RECOMMENDED_MODEL.archiveSha256`) was seen in a third-party project's model list, not verified by us.
 * On a mismatch nothing is unpacked and the hash that arrived is printed: check it by other means (e.g. a
 * second download from the Hugging Face mirror) and pass it with `--sha256`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { errorMessage } from '../src/errors';
import {
  CHECKSUM_FILE,
  findModelFiles,
  parseChecksums,
  RECOMMENDED_MODEL,
  sha256File,
} from '../src/speech/sherpa';

const USAGE = 'usage: npm run model:fetch [-- --dir ./models] [--url <mirror>] [--sha256 <hex>] [--force]';

function fail(code: number, message: string): never {
  process.stderr.write(`model:fetch: ${message}\n`);
  process.exit(code);
}

function say(message: string): void {
  process.stderr.write(`model:fetch: ${message}\n`);
}

async function main(): Promise<void> {
  let values: { dir?: string; url?: string; sha256?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string' },
        url: { type: 'string' },
        sha256: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(1, `${errorMessage(error)}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const expected = (values.sha256 ?? RECOMMENDED_MODEL.archiveSha256).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) fail(1, `--sha256 must be 64 hex digits\n${USAGE}`);
  // npm runs package scripts in the package's folder; INIT_CWD is where the user typed the command.
  const parent = resolve(process.env.INIT_CWD ?? process.cwd(), values.dir ?? 'models');
  const modelDir = join(parent, RECOMMENDED_MODEL.name);
  const url = values.url ?? RECOMMENDED_MODEL.url;

  // Already there and intact: nothing to do.
  if (!values.force && existsSync(join(modelDir, CHECKSUM_FILE))) {
    const checked = await checkedInPlace(modelDir);
    if (checked > 0) {
      say(
        `${modelDir} is already present; its ${checked} model files match ${CHECKSUM_FILE} (--force downloads again)`,
      );
      process.stdout.write(`${modelDir}\n`);
      return;
    }
    say(`${modelDir} is incomplete or does not match ${CHECKSUM_FILE}; downloading again`);
  }

  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    // `ENOTDIR: not a directory, mkdir '/dev/null/models'`: the path is named once, in front.
    const { message, syscall } = error as NodeJS.ErrnoException;
    fail(2, `cannot create --dir ${parent}: ${syscall ? message.split(`, ${syscall}`)[0] : describe(error)}`);
  }
  const archive = join(parent, `${RECOMMENDED_MODEL.name}.tar.bz2`);
  const partial = `${archive}.part`;
  say(`downloading ${url}`);
  let actual: string;
  try {
    actual = await download(url, partial);
  } catch (error) {
    rmSync(partial, { force: true });
    fail(2, `download failed: ${describe(error)}; unreachable? pass --url with a mirror (docs/engines.md)`);
  }
  if (actual !== expected) {
    rmSync(partial, { force: true });
    fail(
      3,
      `checksum mismatch: the download has sha256 ${actual}, expected ${expected}` +
        `${values.sha256 ? '' : ' (a value from a third-party list; k2-fsa publishes none)'}. Nothing was unpacked. ` +
        'If you have verified the archive by other means, run again with --sha256 <hash>.',
    );
  }
  renameSync(partial, archive);
  writeFileSync(`${archive}.sha256`, `${actual}  ${RECOMMENDED_MODEL.name}.tar.bz2\n`);
  say(
    `sha256 ${actual} verified against ${values.sha256 ? '--sha256' : 'the pinned value (from a third-party list)'}; unpacking`,
  );

  rmSync(modelDir, { recursive: true, force: true });
  const tar = await run('tar', ['-xjf', archive, '-C', parent]);
  if (tar.code !== 0) fail(2, `unpacking failed (tar exit ${tar.code}): ${tar.stderr.trim()}`);
  const check = findModelFiles(modelDir, { int8: false });
  if (!check.ok) fail(2, check.message);

  // Checksums of what was unpacked, so every later start (and a copy into an image) is verified.
  const names = readdirSync(modelDir)
    .filter((name) => name.endsWith('.onnx') || name === 'tokens.txt')
    .sort();
  const lines: string[] = [];
  for (const name of names) lines.push(`${await sha256File(join(modelDir, name))}  ${name}`);
  writeFileSync(join(modelDir, CHECKSUM_FILE), `${lines.join('\n')}\n`);
  rmSync(archive, { force: true });
  say(`unpacked ${names.length} model files into ${modelDir}; set SHERPA_MODEL_DIR to it`);
  process.stdout.write(`${modelDir}\n`);
}

/**
 * An error in one line with its cause: fetch rejects with `fetch failed` and puts why (`ECONNREFUSED`,
 * `ENOTFOUND`, a TLS error) in `cause`.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { cause } = error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const why = typeof code === 'string' ? code : cause instanceof Error ? cause.message : undefined;
  return why && !error.message.includes(why) ? `${error.message} (${why})` : error.message;
}

/**
 * How many model files in `dir` were hashed and matched `SHA256SUMS`; 0 when the model is incomplete,
 * a file is not listed (only a hash actually seen counts — `verifyChecksums` skips unlisted files) or
 * one does not match.
 */
async function checkedInPlace(dir: string): Promise<number> {
  try {
    return await matchingFiles(dir);
  } catch {
    return 0; // unreadable (a dangling link, permissions): download again rather than trust it
  }
}

async function matchingFiles(dir: string): Promise<number> {
  const check = findModelFiles(dir, { int8: false });
  if (!check.ok) return 0;
  const sums = parseChecksums(readFileSync(join(dir, CHECKSUM_FILE), 'utf8'));
  const names = readdirSync(dir).filter((name) => name.endsWith('.onnx') || name === 'tokens.txt');
  if (names.some((name) => !sums.has(name))) return 0;
  for (const name of names) {
    if ((await sha256File(join(dir, name))) !== sums.get(name)) return 0;
  }
  return names.length;
}

/** Stream `url` into `path`, hashing on the way; resolves with the sha256. */
async function download(url: string, path: string): Promise<string> {
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} from ${url}`);
  const total = Number(response.headers.get('content-length')) || RECOMMENDED_MODEL.approximateBytes;
  const hash = createHash('sha256');
  let received = 0;
  let reported = 0;
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    async function* hashing(source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        received += chunk.length;
        if (received - reported >= 25_000_000) {
          reported = received;
          say(`${Math.round(received / 1e6)} MB of ~${Math.round(total / 1e6)} MB`);
        }
        yield chunk;
      }
    },
    createWriteStream(path),
  );
  return hash.digest('hex');
}

function run(command: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => resolvePromise({ code: -1, stderr: error.message }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stderr }));
  });
}

main().catch((error: unknown) => fail(2, describe(error)));
