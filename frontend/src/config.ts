/**
 * @module config — the app's only configuration, read at build time from `VITE_*` variables.
 *
 * Set them in `frontend/.env.local` (not committed) or in the environment of `npm run build:*`:
 *
 * | variable              | meaning                                                                 | default |
 * |-----------------------|-------------------------------------------------------------------------|---------|
 * | `VITE_SERVER_URL`     | backend origin, e.g. `https://voice.example.com` (HTTP API + Socket.IO)  | H5: the page's own origin; mini-programs: `http://127.0.0.1:3000` |
 * | `VITE_CLOUD_ENV`      | WeChat Cloud Hosting environment id, e.g. `prod-1a2b3c`                  | unset |
 * | `VITE_CLOUD_SERVICE`  | Cloud Hosting service name, e.g. `realtime-voice`                        | unset |
 * | `VITE_LANGUAGE`       | recognition language (BCP 47); empty = the server's default              | unset |
 * | `VITE_ENGINE`         | speech engine name; empty = the server's default                         | unset |
 * | `VITE_AUTH_TOKEN`     | a bearer token for servers that require one (not needed on Cloud Hosting or with anonymous use) | unset |
 * | `VITE_DEBUG`          | `1` turns on the Socket.IO client's debug log                            | off |
 *
 * On mp-weixin, when both `VITE_CLOUD_ENV` and `VITE_CLOUD_SERVICE` are set the app talks to the backend
 * through Cloud Hosting (`wx.cloud.connectContainer` / `callContainer`: no domain, no ICP filing);
 * otherwise it uses `VITE_SERVER_URL` with `wx.connectSocket` / `wx.request`.
 *
 * `main.ts` reads it once (`readConfig(import.meta.env)`) and provides it on the app.
 */
import type { InjectionKey } from 'vue';
import { injectStrict } from './utils/inject';

/** The resolved configuration. */
export interface AppConfig {
  /** Backend origin (`http(s)://host[:port]`), or undefined to let the platform pick its default. */
  readonly serverUrl: string | undefined;
  /** Cloud Hosting environment id and service; both set means "use Cloud Hosting" on mp-weixin. */
  readonly cloud: { readonly env: string; readonly service: string } | undefined;
  readonly language: string | undefined;
  readonly engine: string | undefined;
  /** Sent as Socket.IO `auth.token` and `Authorization: Bearer`; identity on Cloud Hosting needs none. */
  readonly authToken: string | undefined;
  readonly debug: boolean;
  /** Socket.IO namespace of the voice protocol. */
  readonly namespace: string;
  /** History page size. */
  readonly historyPageSize: number;
}

/** Default backend for mini-programs in development (WeChat DevTools with "不校验合法域名" ticked). */
export const DEFAULT_MP_SERVER_URL = 'http://127.0.0.1:3000';

/** The subset of `import.meta.env` this module reads; a plain record makes it testable. */
export type EnvSource = Readonly<Record<string, string | boolean | undefined>>;

function text(env: EnvSource, key: string): string | undefined {
  const value = env[key];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Builds the configuration from an env record (`import.meta.env` in the app). */
export function readConfig(env: EnvSource): AppConfig {
  const cloudEnv = text(env, 'VITE_CLOUD_ENV');
  const cloudService = text(env, 'VITE_CLOUD_SERVICE');
  const serverUrl = text(env, 'VITE_SERVER_URL')?.replace(/\/+$/, '');
  const debug = text(env, 'VITE_DEBUG');
  return {
    serverUrl,
    cloud: cloudEnv && cloudService ? { env: cloudEnv, service: cloudService } : undefined,
    language: text(env, 'VITE_LANGUAGE'),
    engine: text(env, 'VITE_ENGINE'),
    authToken: text(env, 'VITE_AUTH_TOKEN'),
    debug: debug === '1' || debug === 'true',
    namespace: '/realtime-voice',
    historyPageSize: 20,
  };
}

export const APP_CONFIG_KEY: InjectionKey<AppConfig> = Symbol('AppConfig');

/** The app's configuration, as `main.ts` read it (in a setup store or a component's setup). */
export function useAppConfig(): AppConfig {
  return injectStrict(APP_CONFIG_KEY);
}
