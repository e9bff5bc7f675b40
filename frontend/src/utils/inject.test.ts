import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createApp, type InjectionKey } from 'vue';
import { useHistoryStore } from '../stores/history';
import { injectStrict } from './inject';

describe('injectStrict', () => {
  const KEY: InjectionKey<{ readonly n: number }> = Symbol('Thing');

  it('returns what the app provided', () => {
    const app = createApp({});
    app.provide(KEY, { n: 1 });
    expect(app.runWithContext(() => injectStrict(KEY))).toEqual({ n: 1 });
  });

  it('says what is missing and who provides it, outside an app or when nothing was provided', () => {
    expect(() => injectStrict(KEY)).toThrow('Thing is not provided: main.ts provides it');
    const app = createApp({});
    expect(() => app.runWithContext(() => injectStrict(KEY))).toThrow('Thing is not provided');
  });

  it('a store that needs the HTTP API cannot be used without what main.ts provides', () => {
    // No app context: the store would otherwise reach for a module singleton.
    setActivePinia(createPinia());
    expect(() => useHistoryStore()).toThrow('VoiceApi is not provided');
  });
});
