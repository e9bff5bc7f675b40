/**
 * What `main.ts` provides, over fakes: a Vue app with the configuration, the platform and the HTTP API
 * provided and pinia installed (and active), so stores inject exactly what they get in the app.
 */
import { createPinia } from 'pinia';
import { createApp, effectScope } from 'vue';
import { createVoiceApi, VOICE_API_KEY, type VoiceApi } from '../../src/api';
import { type AppContext, provideAppContext } from '../../src/app-context';
import { useVoiceApp } from '../../src/composables/useVoiceApp';
import { APP_CONFIG_KEY, type AppConfig, readConfig } from '../../src/config';
import type { HttpClient, Platform, RecorderDriver } from '../../src/platform/types';
import type { FakeHttp } from './fake-http';
import { FAST_CLIENT_OPTIONS, fakePlatform } from './fake-platform';
import type { FakeSocketServer } from './fake-server';

/** The whole context, as the page gets it: pass the result to `useVoiceApp`. */
export function installTestApp(platform: Platform, config: AppConfig = readConfig({})): AppContext {
  const app = createApp({});
  const context = provideAppContext(app, config, platform);
  app.use(createPinia());
  return context;
}

/** Only what stores need (configuration and API), over an HTTP client. */
export function installTestStores(http: HttpClient, config: AppConfig = readConfig({})): VoiceApi {
  const app = createApp({});
  const api = createVoiceApi({ http, token: config.authToken });
  app.provide(APP_CONFIG_KEY, config);
  app.provide(VOICE_API_KEY, api);
  app.use(createPinia());
  return api;
}

/**
 * The page's wiring over fakes: `useVoiceApp` with what `installTestApp` provides, in its own effect scope
 * (`scope.stop()` is the page unmounting), reconnecting fast. `config` overrides parts of the default.
 */
export function startTestApp(
  server: FakeSocketServer,
  http: FakeHttp,
  driver: RecorderDriver,
  config: Partial<AppConfig> = {},
) {
  const { platform, lifecycle, calls } = fakePlatform(server, http, driver);
  const context = installTestApp(platform, { ...readConfig({}), ...config });
  const scope = effectScope();
  const app = scope.run(() => useVoiceApp({ ...context, clientOptions: FAST_CLIENT_OPTIONS }))!;
  return { app, scope, lifecycle, calls, platform };
}
