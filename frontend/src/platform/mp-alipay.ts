/**
 * @module platform/mp-alipay — Alipay: `my.connectSocket` (vendor `alipay`) and a file recorder.
 *
 * Alipay's recorder gives aac/mp3 only and no PCM frames, so there is no live partial text: the app
 * records, then uploads to `POST /api/recognize`, and the page says so.
 */
import {
  type ConnectSocketFunction,
  connectSocketTransport,
  type MiniProgramLifecycleApi,
  miniProgramLifecycle,
} from '@realtime-voice/shared/socketio';
import type { AppConfig } from '../config';
import { DEFAULT_MP_SERVER_URL } from '../config';
import { strings } from '../locale/strings';
import {
  type MpRecorderManager,
  mpFileRecorder,
  uniConfirm,
  uniHttp,
  uniReadFile,
  uniStorage,
  uniToast,
} from './mp-common';
import type { PermissionResult, Platform } from './types';

interface AlipayApi extends MiniProgramLifecycleApi {
  connectSocket: ConnectSocketFunction;
  getRecorderManager(): MpRecorderManager;
  showAuthGuide(options: { authType: string }): void;
  getSetting(options: {
    success?: (res: { authSetting?: Record<string, boolean | undefined> }) => void;
    fail?: () => void;
  }): void;
}
declare const my: AlipayApi;

/** Alipay asks for the microphone itself on first record; a remembered refusal shows in getSetting. */
function alipayPermission(): Promise<PermissionResult> {
  return new Promise((resolve) => {
    my.getSetting({
      success: (res) => resolve(res.authSetting?.audioRecord === false ? 'denied' : 'granted'),
      fail: () => resolve('granted'),
    });
  });
}

export function createAlipayPlatform(config: AppConfig): Platform {
  const serverUrl = config.serverUrl ?? DEFAULT_MP_SERVER_URL;
  return {
    name: 'mp-alipay',
    liveAudio: false,
    socketTarget: () => ({
      uri: `${serverUrl}${config.namespace}`,
      transport: connectSocketTransport(my.connectSocket, { vendor: 'alipay' }),
    }),
    lifecycle: miniProgramLifecycle(my),
    http: uniHttp(serverUrl),
    readFile: uniReadFile,
    platformIdentity: false,
    createRecorder: () => mpFileRecorder(my.getRecorderManager(), 'aac'),
    requestRecordPermission: alipayPermission,
    openPermissionSettings: () => my.showAuthGuide({ authType: 'MICROPHONE' }),
    confirm: (title, content) => uniConfirm(title, content, strings.common.confirm, strings.common.cancel),
    toast: uniToast,
    stopPullDownRefresh: () => uni.stopPullDownRefresh(),
    storage: uniStorage,
  };
}
