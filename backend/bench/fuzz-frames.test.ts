import { describe, expect, it } from 'vitest';
import {
  CATEGORY_WEIGHTS,
  createRng,
  describeFrame,
  type FuzzCategory,
  fuzzFrame,
  mutate,
  VALID_FRAMES,
} from './fuzz-frames';

describe('fuzz frames', () => {
  it('are reproducible from a seed and differ between seeds', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 200 }, () => describeFrame(fuzzFrame(rng)));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draw every category, text and binary', () => {
    const rng = createRng(1);
    const counts = new Map<FuzzCategory, number>();
    const categories = Object.keys(CATEGORY_WEIGHTS) as FuzzCategory[];
    for (let i = 0; i < 2_000; i++) {
      const category = rng.pick(categories);
      const frame = fuzzFrame(rng, category);
      expect(typeof frame === 'string' || frame instanceof Uint8Array).toBe(true);
      counts.set(category, (counts.get(category) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...categories].sort());
    const kinds = new Set(Array.from({ length: 2_000 }, () => typeof fuzzFrame(rng)));
    expect(kinds).toEqual(new Set(['string', 'object']));
  });

  it('lying attachment counts and deep nesting look like what they claim', () => {
    const rng = createRng(3);
    for (let i = 0; i < 50; i++) {
      expect(fuzzFrame(rng, 'lying-attachments')).toMatch(/^4[56][-\de.NaN]*-/);
      const deep = fuzzFrame(rng, 'deep-nesting') as string;
      expect(deep.split('[').length).toBeGreaterThan(100);
    }
    const big = fuzzFrame(rng, 'oversize');
    expect(typeof big === 'string' ? big.length : big.byteLength).toBeGreaterThan(1_000_000);
  });

  it('mutations change a frame but keep its kind', () => {
    const rng = createRng(5);
    let changed = 0;
    for (const frame of VALID_FRAMES) {
      for (let i = 0; i < 20; i++) {
        const mutated = mutate(frame, rng);
        expect(typeof mutated).toBe(typeof frame);
        if (describeFrame(mutated) !== describeFrame(frame)) changed += 1;
      }
    }
    expect(changed).toBeGreaterThan(VALID_FRAMES.length * 15);
  });

  it('describes frames briefly', () => {
    expect(describeFrame('42["x"]')).toBe('text(7) "42[\\"x\\"]"');
    expect(describeFrame(new Uint8Array([1, 255]))).toBe('binary(2) 01ff');
    expect(describeFrame('a'.repeat(500), 10)).toBe(`text(500) "${'a'.repeat(10)}…"`);
  });
});
