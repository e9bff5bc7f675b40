/**
 * @module utils/inject — `inject()` for what the app cannot run without (config, API, platform).
 *
 * `main.ts` provides them on the app (`provideAppContext`); a store or the page that asks outside an app, or
 * before they were provided, gets an error that says so instead of `undefined` failing later.
 */
import { hasInjectionContext, type InjectionKey, inject } from 'vue';

/** The value provided under `key`; throws when there is none. */
export function injectStrict<T>(key: InjectionKey<T>): T {
  const value = hasInjectionContext() ? inject(key, undefined) : undefined;
  if (value === undefined) {
    throw new Error(
      `${key.description ?? 'dependency'} is not provided: main.ts provides it on the app (provideAppContext)`,
    );
  }
  return value;
}
