/**
 * @module vocabulary — the pronunciation dictionary narrowed to the words the language model knows, and
 * optionally to its most frequent ones.
 *
 * An n-gram search only ever proposes words that are both in the dictionary and in the model, so dropping
 * the others changes no hypothesis; it does shrink every decoder (Debian's en-US: 134,723 entries → 79,420,
 * ~11 MiB less resident memory per decoder, measured). Each decoder's search tree grows with its
 * vocabulary, so a cap (`vocabularySize`: the words the model finds most probable on their own) shrinks it
 * further — at the price of never recognising the words left out. The narrowed copy is written once per
 * engine to a private temporary directory (decoders read `-dict` from a file) and removed on close.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A dictionary line's word without its alternative-pronunciation suffix: `read(2)` → `read`. */
export function dictionaryWord(line: string): string {
  const space = line.search(/\s/);
  const word = space < 0 ? line : line.slice(0, space);
  return word.replace(/\(\d+\)$/, '');
}

/**
 * Keeps the lines whose word has a score (`null` = unknown to the model), and of those only the
 * `maxWords` best-scored words (all their pronunciations); blank lines are dropped. `kept` counts words.
 *
 * @example
 * narrowDictionary('hello HH AH L OW\nzyx Z\n', (w) => (w === 'hello' ? -10 : null)) // keeps hello
 */
export function narrowDictionary(
  text: string,
  score: (word: string) => number | null,
  maxWords = Number.POSITIVE_INFINITY,
): { text: string; kept: number; total: number } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const scores = new Map<string, number | null>();
  for (const line of lines) {
    const word = dictionaryWord(line);
    if (!scores.has(word)) scores.set(word, score(word));
  }
  const known = [...scores].filter((entry): entry is [string, number] => entry[1] !== null);
  const chosen = new Set(
    (known.length > maxWords ? known.sort((a, b) => b[1] - a[1]).slice(0, maxWords) : known).map(([w]) => w),
  );
  const kept = lines.filter((line) => chosen.has(dictionaryWord(line)));
  return { text: kept.length > 0 ? `${kept.join('\n')}\n` : '', kept: chosen.size, total: scores.size };
}

/** Writes the narrowed dictionary; `remove()` deletes its directory. */
export async function writeNarrowedDictionary(
  source: string,
  score: (word: string) => number | null,
  maxWords?: number,
): Promise<{ path: string; kept: number; total: number; remove: () => Promise<void> }> {
  const narrowed = narrowDictionary(await readFile(source, 'utf8'), score, maxWords);
  const dir = await mkdtemp(join(tmpdir(), 'rv-pocketsphinx-'));
  const path = join(dir, 'vocabulary.dict');
  await writeFile(path, narrowed.text);
  return {
    path,
    kept: narrowed.kept,
    total: narrowed.total,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
