/**
 * @module platform/mp-alipay — Alipay: `my.connectSocket` (vendor `alipay`) and an mp3 frame recorder.
 *
 * Alipay's recorder gives aac/mp3 only and streams frames only as mp3 (`frameSize`, client ≥ 10.1.80), so
 * the app streams mp3 (`format: 'mp3'` in `start`) and the server decodes it: live partial text as on
 * WeChat. An older client gives no frames: the platform reads the client version once
 * (`alipayRecorderFrames`) and then records an mp3 file and uploads it (`liveAudio: false`).
 * (uni's `uni.getRecorderManager` is not mapped on Alipay, so `my.getRecorderManager` is used.)
 */
import {
  type ConnectSocketFunction,
  connectSocketTransport,
  type MiniProgramLifecycleApi,
  miniProgramLifecycle,
} from 'socket.io-miniprogram';
import type { AppConfig } from '../config';
import { DEFAULT_MP_SERVER_URL } from '../config';
import { strings } from '../locale/strings';
import { alipayRecorderFrames } from '../utils/client-version';
import { type MpRecorderManager, mpFileRecorder, mpMp3Recorder } from './mp-recorder';
import type { PermissionResult, Platform } from './types';
import { uniConfirm, uniHttp, uniReadFile, uniToast } from './uni-api';

interface AlipayApi extends MiniProgramLifecycleApi {
  connectSocket: ConnectSocketFunction;
  getRecorderManager(): MpRecorderManager;
  showAuthGuide(options: { authType: string }): void;
  getSetting(options: {
    success?: (res: { authSetting?: Record<string, boolean | undefined> }) => void;
    fail?: () => void;
  }): void;
  getSystemInfoSync(): { version?: unknown; app?: unknown };
  /** Base library ≥ 1.24.10 / 2.4.10. */
  readonly env?: { clientVersion?: unknown };
}
declare const my: AlipayApi;

/** Whether this client's recorder gives frames (client ≥ 10.1.80), from the versions it reports. */
function recorderFrames(): boolean {
  try {
    const info = my.getSystemInfoSync();
    return alipayRecorderFrames({ versions: [my.env?.clientVersion, info?.version], app: info?.app });
  } catch {
    return alipayRecorderFrames({ versions: [my.env?.clientVersion] });
  }
}

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
  const frames = recorderFrames();
  return {
    liveAudio: frames ? 'mp3' : false,
    socketTarget: () => ({
      uri: `${serverUrl}${config.namespace}`,
      transport: connectSocketTransport(my.connectSocket, { vendor: 'alipay' }),
    }),
    lifecycle: miniProgramLifecycle(my),
    http: uniHttp(serverUrl),
    readFile: uniReadFile,
    createRecorder: () =>
      frames ? mpMp3Recorder(my.getRecorderManager()) : mpFileRecorder(my.getRecorderManager(), 'mp3'),
    requestRecordPermission: alipayPermission,
    openPermissionSettings: () => my.showAuthGuide({ authType: 'MICROPHONE' }),
    confirm: (title, content) => uniConfirm(title, content, strings.common.confirm, strings.common.cancel),
    toast: uniToast,
    stopPullDownRefresh: () => uni.stopPullDownRefresh(),
  };
}
