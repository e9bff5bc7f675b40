/**
 * @module human-speech — recorded human English speech with transcripts, and the engine's own CLI on it,
 * for accuracy comparisons (the accuracy test and the engines bench).
 *
 * The recordings come from Debian's `pocketsphinx-testdata` (BSD-2, CMU; installed by `scripts/setup.sh`):
 * five LibriVox audiobook sentences (Sense and Sensibility, one adult reader, 24.7 s) and five card names
 * read by a person (`cards/`, 8.4 s), all 16 kHz mono 16-bit WAV. Synthetic speech hides accuracy gaps
 * that real voices show, hence these. The reference `pocketsphinx_continuous` comes from Debian's
 * `pocketsphinx` package: the same library and model as our engine.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { normalizeWords, wordErrorRate } from './speech-audio';

const run = promisify(execFile);

/** Where `pocketsphinx-testdata` puts its files. */
export const TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';
/** The engine's own command-line decoder (Debian package `pocketsphinx`). */
export const POCKETSPHINX_CLI = '/usr/bin/pocketsphinx_continuous';

export interface HumanClip {
  /** `librivox/…-0870` or `cards/001`. */
  readonly id: string;
  readonly path: string;
  readonly reference: string;
}

/** Transcript files of the test data: `<s> words </s> (id)` per line. */
const SETS = [
  { dir: 'librivox', transcript: 'transcription' },
  { dir: 'cards', transcript: 'cards.transcription' },
] as const;

/**
 * Why the corpus cannot be used here, or `undefined` when it can.
 *
 * @example
 * const missing = humanSpeechUnavailable(); // 'apt-get install pocketsphinx pocketsphinx-testdata' hint
 */
export function humanSpeechUnavailable(): string | undefined {
  const missing = [
    ...SETS.map((set) => join(TESTDATA_DIR, set.dir, set.transcript)),
    POCKETSPHINX_CLI,
  ].filter((path) => !existsSync(path));
  return missing.length === 0
    ? undefined
    : `missing ${missing.join(', ')}: apt-get install pocketsphinx pocketsphinx-testdata (scripts/setup.sh does)`;
}

/** The ten clips with their reference text, in a fixed order. */
export function humanSpeechClips(): HumanClip[] {
  const clips: HumanClip[] = [];
  for (const set of SETS) {
    const lines = readFileSync(join(TESTDATA_DIR, set.dir, set.transcript), 'utf8')
      .trim()
      .split('\n');
    for (const line of lines) {
      const match = /^<s>\s*(.*?)\s*<\/s>\s*\((.+)\)$/.exec(line.trim());
      if (!match) throw new Error(`unexpected transcript line in ${set.dir}: ${line}`);
      clips.push({
        id: `${set.dir}/${match[2]}`,
        path: join(TESTDATA_DIR, set.dir, `${match[2]}.wav`),
        reference: match[1]!,
      });
    }
  }
  return clips;
}

/**
 * What `pocketsphinx_continuous -infile <wav>` prints (its utterances joined by spaces), with its own
 * defaults: the figure a user of the engine gets from it directly.
 */
export async function cliTranscript(path: string): Promise<string> {
  const { stdout } = await run(POCKETSPHINX_CLI, ['-infile', path], { maxBuffer: 1 << 20 });
  return stdout
    .trim()
    .split(/\s*\n\s*/)
    .join(' ');
}

/**
 * Corpus word error rate: all edits over all reference words (not a mean of per-clip rates, which would
 * weigh a three-word clip like a twenty-word one).
 *
 * @example
 * corpusWer(clips, hypotheses); // 0.391
 */
export function corpusWer(clips: readonly HumanClip[], hypotheses: readonly string[]): number {
  let edits = 0;
  let words = 0;
  clips.forEach((clip, i) => {
    const n = normalizeWords(clip.reference).length;
    edits += Math.round(wordErrorRate(clip.reference, hypotheses[i] ?? '') * n);
    words += n;
  });
  return words === 0 ? 0 : edits / words;
}
