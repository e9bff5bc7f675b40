/**
 * @module connect-container — a transport over WeChat Cloud Hosting's `cloud.connectContainer`.
 *
 * `wx.cloud.connectContainer({ config: { env }, service, path, header })` resolves to `{ socketTask }`, the
 * same SocketTask `wx.connectSocket` returns, to the developer's container: no ICP-filed domain and no
 * whitelisted server domain needed, and WeChat injects the caller's identity (`x-wx-openid`, ...) on the
 * upgrade request. The SocketTask itself is handled by connect-socket's binding, so this file only opens
 * it and turns Cloud Hosting's failures into errors people can act on.
 *
 * Error texts. None is documented for connectContainer itself; these come from its sibling callContainer and
 * from callFunction (same wx.cloud SDK and gateway), so they are matched loosely, on purpose:
 * - "wx.cloud.connectContainer is not a function" ⇒ base library too old: official troubleshooting page
 *   https://developers.weixin.qq.com/miniprogram/dev/wxcloudrun/src/development/call/faq.html (which says
 *   2.23.0; the WebSocket guide .../wxcloudrun/src/development/websocket/miniprogram.html says ≥ 2.21.1).
 * - "Cloud API isn't enabled, please call wx.cloud.init first" (errCode -1; Chinese variant "请先调用
 *   wx.cloud.init() 完成初始化后再调用其他云 API") ⇒ `wx.cloud.init()` missing or not finished: developer
 *   reports for callFunction / callContainer / uploadFile, not an official page.
 * - "-601027 Environment not found" (Cloud Hosting error-code list, as quoted from the FAQ above),
 *   "errCode: -501000 | errMsg: [100003] Param Invalid: env check invalid be filterd", "env not exists",
 *   CloudBase's "INVALID_ENV" ⇒ wrong env ID.
 * - "errCode: -501000 | errMsg: Invalid host" / "INVALID_HOST" (developer reports for callContainer with
 *   a wrong service or an env not linked to the AppID), "-601031 service does not exist" (same list; one
 *   other table gives -601031 another meaning) ⇒ wrong service name or env.
 * -501000 alone is a generic "cloud resource error" wrapper, so it is never matched by itself.
 * Anything else is TRANSPORT_ERROR carrying the platform's message.
 */
import { ClientError } from '../errors';
import type { VendorCallbackResult } from './connect-socket';
import { createSocketTaskBinding, isSocketTask, platformMessage } from './connect-socket';
import type { Transport } from './transport';

/** What `cloud.connectContainer` is called with. */
export interface ConnectContainerCallOptions {
  /** Omitted when no env is given: the SDK then uses the env from `wx.cloud.init({ env })`. */
  config?: { env: string };
  service: string;
  /** Path and query on the container, e.g. `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
  header: Record<string, string>;
}

/** `wx.cloud`, or an H5 `cloud.Cloud` instance: anything with `connectContainer`. */
export interface CloudLike {
  connectContainer?: (options: ConnectContainerCallOptions) => unknown;
}

/** Options of {@link connectContainerTransport}. */
export interface ConnectContainerTransportOptions {
  /** `wx.cloud` (after `wx.cloud.init()`), or an H5 `new cloud.Cloud({ ... })` instance after `init()`. */
  readonly cloud: CloudLike | null | undefined;
  /** Cloud Hosting environment ID (e.g. `prod-1a2b3c`); defaults to the env given to `wx.cloud.init`. */
  readonly env?: string;
  /** Service name as listed in the Cloud Hosting console. */
  readonly service: string;
  /** Extra headers for the upgrade request. */
  readonly header?: Record<string, string>;
}

/**
 * A transport over WeChat Cloud Hosting. The client is created with a bare namespace: no URL is needed.
 *
 * @example
 * wx.cloud.init({ env: 'prod-1a2b3c' });
 * const socket = io('/realtime-voice', {
 *   transport: connectContainerTransport({ cloud: wx.cloud, env: 'prod-1a2b3c', service: 'voice' }),
 * });
 */
export function connectContainerTransport(options: ConnectContainerTransportOptions): Transport {
  const { cloud, env, service } = options;
  return {
    name: 'connectContainer',
    open(request, listener) {
      const binding = createSocketTaskBinding(listener, 'standard');
      if (cloud === null || cloud === undefined || typeof cloud !== 'object') {
        binding.fail(
          new ClientError(
            'TRANSPORT_UNAVAILABLE',
            'No wx.cloud: Cloud Hosting needs the WeChat mini-program runtime (or the H5 cloud SDK). Pass { cloud: wx.cloud } and make sure the project has cloud enabled.',
          ),
        );
        return binding;
      }
      if (typeof cloud.connectContainer !== 'function') {
        binding.fail(
          containerError(new TypeError('wx.cloud.connectContainer is not a function'), service, env),
        );
        return binding;
      }
      if (typeof service !== 'string' || service === '') {
        binding.fail(
          new ClientError(
            'SERVICE_NOT_FOUND',
            'connectContainerTransport needs the Cloud Hosting service name',
          ),
        );
        return binding;
      }
      let pending: unknown;
      try {
        pending = cloud.connectContainer({
          ...(env ? { config: { env } } : {}),
          service,
          path: request.path,
          // The H5 cloud.Cloud SDK routes by this header instead of `service`; sending both keeps one call
          // working on both.
          header: { ...options.header, 'X-WX-SERVICE': service },
        });
      } catch (error) {
        binding.fail(containerError(error, service, env));
        return binding;
      }
      Promise.resolve(pending).then(
        (result) => {
          const task =
            typeof result === 'object' && result !== null
              ? (result as { socketTask?: unknown }).socketTask
              : undefined;
          if (!isSocketTask(task)) {
            binding.fail(
              new ClientError(
                'TRANSPORT_ERROR',
                'cloud.connectContainer did not resolve to { socketTask } (an SDK that only supports callbacks?)',
                result,
              ),
            );
            return;
          }
          // After the engine's close() this closes the task at once instead of using it.
          binding.attach(task);
        },
        (error: unknown) => binding.fail(containerError(error, service, env)),
      );
      return binding;
    },
  };
}

const NOT_INITIALIZED =
  /Cloud API isn't enabled|call wx\.cloud\.init|cloud\.init first|请先调用\s*wx\.cloud\.init/i;
const TOO_OLD = /connectContainer is not a function/i;
const ENV_NOT_FOUND =
  /-601027|INVALID_ENV|env not exists?|environment not found|env check invalid|invalid env/i;
const SERVICE_MISSING =
  /-601031|INVALID_HOST|invalid host|SERVICE_NOT_EXIST|service[^,;|]{0,40}(?:not exist|not found|does not exist)|服务不存在/i;

/**
 * Maps a `connectContainer` failure (rejection, thrown error or `fail` result) to an actionable ClientError.
 *
 * @example
 * containerError({ errMsg: "cloud.connectContainer:fail Cloud API isn't enabled, please call wx.cloud.init first" }, 'voice');
 * // ClientError { code: 'CLOUD_NOT_INITIALIZED', ... }
 */
export function containerError(failure: unknown, service: string, env?: string): ClientError {
  const message = platformMessage(failure);
  const errCode =
    typeof failure === 'object' && failure !== null ? (failure as VendorCallbackResult).errCode : undefined;
  const said = ` (platform: ${message})`;
  const envName = env ? `"${env}"` : 'the env given to wx.cloud.init()';
  if (NOT_INITIALIZED.test(message)) {
    return new ClientError(
      'CLOUD_NOT_INITIALIZED',
      `wx.cloud.init() was not called (or has not finished) before connecting: call wx.cloud.init() once in App.onLaunch${said}`,
      failure,
    );
  }
  if (TOO_OLD.test(message)) {
    return new ClientError(
      'BASE_LIBRARY_TOO_OLD',
      `The WeChat base library is older than 2.21.1 and has no connectContainer: raise the minimum base library in the admin console (设置 → 功能设置 → 基础库最低版本设置)${said}`,
      failure,
    );
  }
  if (errCode === -601027 || ENV_NOT_FOUND.test(message)) {
    return new ClientError(
      'SERVICE_NOT_FOUND',
      `Cloud Hosting environment ${envName} was not found: check the env ID in the Cloud Hosting console and that it belongs to (or is shared with) this mini-program${said}`,
      failure,
    );
  }
  if (errCode === -601031 || SERVICE_MISSING.test(message)) {
    return new ClientError(
      'SERVICE_NOT_FOUND',
      `Cloud Hosting has no service "${service}" in environment ${envName}: check the service name in the Cloud Hosting console (服务列表) and the env ID${said}`,
      failure,
    );
  }
  return new ClientError('TRANSPORT_ERROR', `cloud.connectContainer failed: ${message}`, failure);
}
