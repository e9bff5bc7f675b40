/**
 * @module speech-registry.test — engine lookup by name, the default, and configuration mistakes.
 */

import { describe, expect, it } from 'vitest';
import { createEngineRegistry, type SpeechEngine } from '../src/speech';

function fakeEngine(name: string, closed: string[] = []): SpeechEngine {
  return {
    name,
    languages: ['en-US'],
    status: () => ({ ready: true }),
    createStream: () => Promise.reject(new Error('not used')),
    close: async () => {
      closed.push(name);
    },
  };
}

describe('createEngineRegistry', () => {
  it('resolves names, falls back to the default, and lists engines in order', () => {
    const a = fakeEngine('pocketsphinx');
    const b = fakeEngine('tencent');
    const registry = createEngineRegistry([a, b], 'tencent');
    expect(registry.defaultEngine).toBe(b);
    expect(registry.get()).toBe(b);
    expect(registry.get('pocketsphinx')).toBe(a);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.list()).toEqual([a, b]);
  });

  it('refuses an unknown default and duplicate names at construction, with codes', () => {
    expect(() => createEngineRegistry([fakeEngine('a')], 'b')).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_ENGINE',
        message: expect.stringMatching(
          /Default speech engine "b" \(ASR_ENGINE\) is not registered \(known: a\)/,
        ),
      }),
    );
    expect(() => createEngineRegistry([], 'a')).toThrow(/known: none/);
    expect(() => createEngineRegistry([fakeEngine('a'), fakeEngine('a')], 'a')).toThrow(
      expect.objectContaining({ code: 'ENGINE_REGISTERED_TWICE', message: expect.stringMatching(/twice/) }),
    );
  });

  it('closes the engines it was given when it refuses them (nobody else would)', () => {
    const closed: string[] = [];
    expect(() =>
      createEngineRegistry([fakeEngine('pocketsphinx', closed), fakeEngine('tencent', closed)], 'whisper'),
    ).toThrow(/whisper/);
    expect(closed.sort()).toEqual(['pocketsphinx', 'tencent']);
  });

  it('closes every engine', async () => {
    const closed: string[] = [];
    await createEngineRegistry([fakeEngine('a', closed), fakeEngine('b', closed)], 'a').close();
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
