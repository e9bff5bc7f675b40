/**
 * @module platform/mp-weixin — WeChat: Cloud Hosting when configured, else `wx.connectSocket` with a URL.
 *
 * Cloud Hosting (`VITE_CLOUD_ENV` + `VITE_CLOUD_SERVICE`): the socket goes through
 * `wx.cloud.connectContainer` and HTTP through `wx.cloud.callContainer`; the platform injects the user's
 * identity (`x-wx-openid`), so no domain, ICP filing or token is needed.
 */
import {
  type CloudLike,
  type ConnectSocketFunction,
  connectContainerTransport,
  connectSocketTransport,
  type MiniProgramLifecycleApi,
  miniProgramLifecycle,
} from 'socket.io-miniprogram';
import type { AppConfig } from '../config';
import { DEFAULT_MP_SERVER_URL } from '../config';
import { strings } from '../locale/strings';
import { type MpRecorderManager, mpPcmRecorder, uniAuthorizeRecord } from './mp-recorder';
import type { HttpClient, Platform } from './types';
import { uniConfirm, uniHttp, uniReadFile, uniToast, withQuery } from './uni-api';

/** The part of `wx` this file uses. */
interface WeixinApi extends MiniProgramLifecycleApi {
  connectSocket: ConnectSocketFunction;
  getRecorderManager(): MpRecorderManager;
  openSetting(options?: { success?: () => void; fail?: () => void }): void;
  cloud?: CloudLike & {
    init(options: { env: string }): void;
    callContainer(options: {
      config: { env: string };
      path: string;
      method: string;
      header: Record<string, string>;
      data?: unknown;
    }): Promise<{ statusCode: number; data: unknown }>;
  };
}
declare const wx: WeixinApi;

/** `wx.cloud.callContainer` as an HttpClient: the service is named by the `X-WX-SERVICE` header. */
function cloudHttp(env: string, service: string): HttpClient {
  return async (request) => {
    const cloud = wx.cloud;
    if (!cloud)
      throw new Error('wx.cloud is not available: base library ≥ 2.23.0 is required for Cloud Hosting');
    const res = await cloud.callContainer({
      config: { env },
      path: withQuery(request.path, request.query),
      method: request.method,
      header: { 'X-WX-SERVICE': service, 'content-type': 'application/json', ...request.headers },
      ...(request.body !== undefined ? { data: request.body } : {}),
    });
    return { status: res.statusCode, data: res.data };
  };
}

let cloudInitialised = false;

export function createWeixinPlatform(config: AppConfig): Platform {
  const { cloud } = config;
  const serverUrl = config.serverUrl ?? DEFAULT_MP_SERVER_URL;
  if (cloud && wx.cloud && !cloudInitialised) {
    // connectContainer/callContainer need wx.cloud.init() once per app launch.
    wx.cloud.init({ env: cloud.env });
    cloudInitialised = true;
  }
  return {
    liveAudio: 'pcm16le',
    socketTarget: () =>
      cloud
        ? {
            uri: config.namespace,
            transport: connectContainerTransport({ cloud: wx.cloud, env: cloud.env, service: cloud.service }),
          }
        : { uri: `${serverUrl}${config.namespace}`, transport: connectSocketTransport(wx.connectSocket) },
    lifecycle: miniProgramLifecycle(wx),
    http: cloud ? cloudHttp(cloud.env, cloud.service) : uniHttp(serverUrl),
    readFile: uniReadFile,
    createRecorder: () => mpPcmRecorder(wx.getRecorderManager(), 'PCM', 600_000),
    requestRecordPermission: uniAuthorizeRecord,
    openPermissionSettings: () => wx.openSetting(),
    confirm: (title, content) => uniConfirm(title, content, strings.common.confirm, strings.common.cancel),
    toast: uniToast,
    stopPullDownRefresh: () => uni.stopPullDownRefresh(),
  };
}
