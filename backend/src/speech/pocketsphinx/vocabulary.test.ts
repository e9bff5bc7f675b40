import { describe, expect, it } from 'vitest';
import { dictionaryWord, narrowDictionary } from './vocabulary';

const DICT = [
  'read R EH D',
  'read(2) R IY D',
  'the DH AH',
  'zyzzyva Z IH Z IH V AH',
  '',
  'station S T EY SH AH N',
].join('\n');

/** Log probabilities as the model would give them: larger is more frequent; null = unknown word. */
const SCORES: Record<string, number | null> = { the: -10, read: -500, station: -900, zyzzyva: null };
const score = (word: string) => SCORES[word] ?? null;

describe('vocabulary', () => {
  it('takes the word of a line without its alternative-pronunciation suffix', () => {
    expect(dictionaryWord('read(2) R IY D')).toBe('read');
    expect(dictionaryWord('the\tDH AH')).toBe('the');
  });

  it('drops words the model does not know, keeps every pronunciation of the others', () => {
    const narrowed = narrowDictionary(DICT, score);
    expect(narrowed.text).toBe('read R EH D\nread(2) R IY D\nthe DH AH\nstation S T EY SH AH N\n');
    expect(narrowed).toMatchObject({ kept: 3, total: 4 });
  });

  it('keeps only the most probable words when capped, with all their pronunciations', () => {
    const narrowed = narrowDictionary(DICT, score, 2);
    expect(narrowed.text).toBe('read R EH D\nread(2) R IY D\nthe DH AH\n');
    expect(narrowed.kept).toBe(2);
  });

  it('gives an empty dictionary when the model knows none of the words (the engine keeps the original)', () => {
    expect(narrowDictionary(DICT, () => null)).toEqual({ text: '', kept: 0, total: 4 });
  });
});
