/**
 * @module connect-container — a transport over WeChat Cloud Hosting's `cloud.connectContainer`.
 *
 * `wx.cloud.connectContainer({ config: { env }, service, path, header })` resolves to `{ socketTask }`, the
 * same SocketTask `wx.connectSocket` returns, to the developer's container: no ICP-filed domain and no
 * whitelisted server domain needed, and WeChat injects the caller's identity (`x-wx-openid`, ...) on the
 * upgrade request. The SocketTask itself is handled by socket-task's binding, so this file only opens
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
 * Both of the last two are SERVICE_NOT_FOUND with one message naming the service and the env: the texts do
 * not reliably say which of the two is wrong.
 * -501000 alone is a generic "cloud resource error" wrapper, so it is never matched by itself.
 * Anything else is TRANSPORT_ERROR carrying the platform's message.
 */
import { ClientError } from '../errors';
import {
  createSocketTaskBinding,
  platformMessage,
  STANDARD_CODEC,
  type VendorCallbackResult,
} from './socket-task';
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
      const binding = createSocketTaskBinding(listener, STANDARD_CODEC);
      const fail = (error: unknown) => binding._fail(containerError(error, service, env));
      if (typeof cloud !== 'object' || !cloud) {
        binding._fail(new ClientError('TRANSPORT_UNAVAILABLE', 'No wx.cloud: pass { cloud: wx.cloud }'));
      } else if (typeof cloud.connectContainer !== 'function') {
        fail(new TypeError('wx.cloud.connectContainer is not a function'));
      } else if (typeof service !== 'string' || !service) {
        binding._fail(new ClientError('SERVICE_NOT_FOUND', 'Pass the Cloud Hosting service name'));
      } else {
        const call: ConnectContainerCallOptions = {
          service,
          path: request.path,
          // The H5 cloud.Cloud SDK routes by this header instead of `service`; sending both keeps one call
          // working on both.
          header: Object.assign({}, options.header, { 'X-WX-SERVICE': service }),
        };
        // Without env the SDK uses the one given to wx.cloud.init().
        if (env) call.config = { env };
        // A connectContainer that throws rejects this promise: one path for every failure.
        new Promise((resolve) => resolve((cloud as Required<CloudLike>).connectContainer(call))).then(
          // After the engine's close() this closes the task at once instead of using it.
          (result) => binding._attach(Object(result).socketTask, 'TRANSPORT_ERROR'),
          fail,
        );
      }
      return binding;
    },
  };
}

const NOT_INITIALIZED = /cloud\.init|isn't enabled/i;
const TOO_OLD = /connectContainer is not a function/i;
/**
 * A wrong env or a wrong service: Cloud Hosting's texts do not reliably say which (an env not linked to the
 * AppID also gives "Invalid host"), so one code and one message naming both. Tested against the platform
 * message followed by `errCode`, so -601027 / -601031 match by number too.
 */
const NOT_FOUND =
  /6010(?:27|31)|invalid.?(?:env|host)|env check invalid|(?:env|service)[^,;|]{0,40}not.(?:exist|found)|服务不存在/i;

/**
 * Maps a `connectContainer` failure (rejection, thrown error or `fail` result) to an actionable ClientError.
 *
 * @example
 * containerError({ errMsg: "cloud.connectContainer:fail Cloud API isn't enabled, please call wx.cloud.init first" }, 'voice');
 * // ClientError { code: 'CLOUD_NOT_INITIALIZED', ... }
 */
export function containerError(failure: unknown, service: string, env?: string): ClientError {
  const message = platformMessage(failure);
  const [code, text] = NOT_INITIALIZED.test(message)
    ? (['CLOUD_NOT_INITIALIZED', 'Call wx.cloud.init() in App.onLaunch first'] as const)
    : TOO_OLD.test(message)
      ? (['BASE_LIBRARY_TOO_OLD', 'Base library < 2.21.1: raise the minimum version'] as const)
      : NOT_FOUND.test(`${message} ${failure && (failure as VendorCallbackResult).errCode}`)
        ? ([
            'SERVICE_NOT_FOUND',
            `No service "${service}" in env ${env ? `"${env}"` : 'of wx.cloud.init()'}: check both`,
          ] as const)
        : (['TRANSPORT_ERROR', 'connectContainer failed'] as const);
  return new ClientError(code, `${text} (${message})`, failure);
}
