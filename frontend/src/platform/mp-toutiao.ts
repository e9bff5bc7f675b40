/**
 * @module platform/mp-toutiao — ByteDance (Douyin/Toutiao): `tt.connectSocket` and PCM recorder frames.
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
import { type MpRecorderManager, mpPcmRecorder, uniAuthorizeRecord } from './mp-recorder';
import type { Platform } from './types';
import { uniConfirm, uniHttp, uniReadFile, uniToast } from './uni-api';

interface ToutiaoApi extends MiniProgramLifecycleApi {
  connectSocket: ConnectSocketFunction;
  getRecorderManager(): MpRecorderManager;
  openSetting(options?: object): void;
}
declare const tt: ToutiaoApi;

export function createToutiaoPlatform(config: AppConfig): Platform {
  const serverUrl = config.serverUrl ?? DEFAULT_MP_SERVER_URL;
  return {
    liveAudio: 'pcm16le',
    socketTarget: () => ({
      uri: `${serverUrl}${config.namespace}`,
      transport: connectSocketTransport(tt.connectSocket),
    }),
    lifecycle: miniProgramLifecycle(tt),
    http: uniHttp(serverUrl),
    readFile: uniReadFile,
    // Douyin spells the format in lower case and has PCM frames from base library 2.26.0.
    createRecorder: () => mpPcmRecorder(tt.getRecorderManager(), 'pcm', 60_000),
    requestRecordPermission: uniAuthorizeRecord,
    openPermissionSettings: () => tt.openSetting(),
    confirm: (title, content) => uniConfirm(title, content, strings.common.confirm, strings.common.cancel),
    toast: uniToast,
    stopPullDownRefresh: () => uni.stopPullDownRefresh(),
  };
}
