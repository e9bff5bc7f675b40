/**
 * @module app-context — what `main.ts` builds once and provides on the app: the configuration, the
 * platform and the HTTP API. Stores inject the API and the configuration (never the platform); the page
 * hands all three to `useVoiceApp`. Nothing below the page reads a module singleton.
 */
import type { App, InjectionKey } from 'vue';
import { createVoiceApi, useVoiceApi, VOICE_API_KEY, type VoiceApi } from './api';
import { APP_CONFIG_KEY, type AppConfig, useAppConfig } from './config';
import type { Platform } from './platform/types';
import { injectStrict } from './utils/inject';

export interface AppContext {
  readonly config: AppConfig;
  readonly platform: Platform;
  readonly api: VoiceApi;
}

export const PLATFORM_KEY: InjectionKey<Platform> = Symbol('Platform');

/** Builds the API over the platform's HTTP (with the token, when configured) and provides all three. */
export function provideAppContext(app: App, config: AppConfig, platform: Platform): AppContext {
  const api = createVoiceApi({ http: platform.http, token: config.authToken });
  app.provide(APP_CONFIG_KEY, config);
  app.provide(PLATFORM_KEY, platform);
  app.provide(VOICE_API_KEY, api);
  return { config, platform, api };
}

/** What `provideAppContext` provided (in a component's setup: the page). */
export function injectAppContext(): AppContext {
  return { config: useAppConfig(), platform: injectStrict(PLATFORM_KEY), api: useVoiceApi() };
}
