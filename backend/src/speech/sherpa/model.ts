/**
 * @module sherpa/model — which streaming zipformer transducer a model directory holds, and whether its
 * files are intact.
 *
 * sherpa-onnx itself only says `Please check your config!` for a missing file and aborts the whole
 * process on a corrupt one, so everything it would choke on is checked here first: the directory and the
 * four files (named in the message when absent), and — when `npm run model:fetch` left a `SHA256SUMS`
 * beside them — each file's checksum. A corrupt file without a checksum list is caught by the probe
 * process (`probe.ts`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errorMessage } from '../../errors';

/** The recommended model: bilingual Mandarin + English streaming zipformer from the k2-fsa release. */
export const RECOMMENDED_MODEL = {
  name: 'sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20',
  url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20.tar.bz2',
  /**
   * k2-fsa publishes no checksum for release assets. This value was seen in a third-party project's model
   * list (found through code search), not verified by us: `model:fetch` checks against it and, on a
   * mismatch, stops and prints the hash it got (see docs/engines.md).
   */
  archiveSha256: '27ffbd9ee24ad186d99acc2f6354d7992b27bcab490812510665fa8f9389c5f8',
  /** The same third-party list's size; only used for progress output. */
  approximateBytes: 511_274_346,
  files: {
    encoder: 'encoder-epoch-99-avg-1.onnx',
    decoder: 'decoder-epoch-99-avg-1.onnx',
    joiner: 'joiner-epoch-99-avg-1.onnx',
    tokens: 'tokens.txt',
  },
} as const;

/** Written by `model:fetch` beside the model files (`sha256sum` format). */
export const CHECKSUM_FILE = 'SHA256SUMS';

export interface SherpaModelFiles {
  readonly encoder: string;
  readonly decoder: string;
  readonly joiner: string;
  readonly tokens: string;
}

export type ModelCheck =
  | { readonly ok: true; readonly files: SherpaModelFiles }
  | { readonly ok: false; readonly message: string };

const FETCH_HINT =
  'Run `npm run model:fetch` on a machine with internet and point SHERPA_MODEL_DIR at the directory it prints.';

/**
 * Find the transducer files in `dir`: `encoder*.onnx`, `decoder*.onnx`, `joiner*.onnx`, `tokens.txt`.
 * With `int8` the quantized encoder and joiner are preferred when present (about half the memory);
 * the decoder stays float (it is small and quantizing it costs accuracy).
 *
 * @example
 * const check = findModelFiles('/models/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20', { int8: true });
 * if (!check.ok) log.warn(check.message);
 */
export function findModelFiles(dir: string, options: { readonly int8?: boolean } = {}): ModelCheck {
  try {
    return inspectModelDir(dir, options.int8 ?? false);
  } catch (error) {
    // A directory or file that cannot be read (permissions, a dangling link): a status, never a throw —
    // the engine is built while the server starts.
    const reason = errorMessage(error);
    return { ok: false, message: `sherpa-onnx model in ${dir} cannot be read: ${reason}. ${FETCH_HINT}` };
  }
}

function inspectModelDir(dir: string, int8: boolean): ModelCheck {
  if (!existsSync(dir))
    return { ok: false, message: `SHERPA_MODEL_DIR ${dir} does not exist. ${FETCH_HINT}` };
  if (!statSync(dir).isDirectory()) {
    return { ok: false, message: `SHERPA_MODEL_DIR ${dir} is not a directory. ${FETCH_HINT}` };
  }
  const names = readdirSync(dir);
  const pick = (role: 'encoder' | 'decoder' | 'joiner', preferInt8: boolean): string | undefined => {
    const candidates = names.filter((name) => name.startsWith(role) && name.endsWith('.onnx')).sort();
    const quantized = candidates.filter((name) => name.endsWith('.int8.onnx'));
    const float = candidates.filter((name) => !name.endsWith('.int8.onnx'));
    return (preferInt8 ? (quantized[0] ?? float[0]) : (float[0] ?? quantized[0])) ?? undefined;
  };
  const chosen = {
    encoder: pick('encoder', int8),
    decoder: pick('decoder', false),
    joiner: pick('joiner', int8),
    tokens: names.includes('tokens.txt') ? 'tokens.txt' : undefined,
  };
  const missing = (Object.keys(chosen) as (keyof typeof chosen)[])
    .filter((role) => chosen[role] === undefined)
    .map((role) =>
      role === 'tokens' ? 'tokens.txt' : `${role}*.onnx (e.g. ${RECOMMENDED_MODEL.files[role]})`,
    );
  if (missing.length > 0) {
    return {
      ok: false,
      message: `sherpa-onnx model in ${dir} is incomplete: missing ${missing.join(', ')}. ${FETCH_HINT}`,
    };
  }
  const files: SherpaModelFiles = {
    encoder: join(dir, chosen.encoder!),
    decoder: join(dir, chosen.decoder!),
    joiner: join(dir, chosen.joiner!),
    tokens: join(dir, chosen.tokens!),
  };
  for (const path of Object.values(files)) {
    if (statSync(path).size === 0) {
      return { ok: false, message: `sherpa-onnx model file ${path} is empty. ${FETCH_HINT}` };
    }
  }
  return { ok: true, files };
}

/** Parse `sha256sum` output: `<64 hex>  <name>` per line. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/i.exec(line.trim());
    if (match) sums.set(match[2]!.trim(), match[1]!.toLowerCase());
  }
  return sums;
}

/** SHA-256 of a file, streamed (model files are hundreds of MB). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Check `files` against `<dir>/SHA256SUMS` when it exists. Resolves with a problem message, or undefined
 * when every listed file matches (or there is no list; files not in the list are left to the probe).
 *
 * @example
 * const problem = await verifyChecksums(dir, check.files);
 */
export async function verifyChecksums(dir: string, files: SherpaModelFiles): Promise<string | undefined> {
  const listPath = join(dir, CHECKSUM_FILE);
  if (!existsSync(listPath)) return undefined;
  const sums = parseChecksums(readFileSync(listPath, 'utf8'));
  for (const path of Object.values(files)) {
    // The files sit directly in `dir` (`findModelFiles` joined them, which also normalizes `dir`).
    const name = basename(path);
    const expected = sums.get(name);
    if (expected === undefined) continue;
    const actual = await sha256File(path);
    if (actual !== expected) {
      return `sherpa-onnx model file ${path} is corrupt (sha256 ${actual.slice(0, 12)}…, ${CHECKSUM_FILE} says ${expected.slice(0, 12)}…). Re-run \`npm run model:fetch\`.`;
    }
  }
  return undefined;
}
