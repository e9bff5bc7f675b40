/**
 * @module platform/h5 — the browser: `WebSocket`, Web Audio for PCM, page visibility and online events.
 *
 * The server URL defaults to the page's own origin: the backend serves the H5 build at `/`.
 */

import type { LifecycleSource } from 'socket.io-miniprogram';
import { webSocketTransport } from 'socket.io-miniprogram';
import type { AppConfig } from '../config';
import { strings } from '../locale/strings';
import { createWebAudioRecorder } from './h5-recorder';
import type { PermissionResult, Platform } from './types';
import { uniConfirm, uniHttp, uniReadFile, uniToast } from './uni-api';

/** Tab hidden/shown and the browser's online/offline events, for the client's `lifecycle` option. */
const browserLifecycle: LifecycleSource = (listener) => {
  const onVisibility = () =>
    document.visibilityState === 'visible' ? listener.foreground() : listener.background();
  const onOnline = () => listener.network(true);
  const onOffline = () => listener.network(false);
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
  };
};

/** Reads the permission state without prompting; the prompt itself comes with getUserMedia. */
async function microphonePermission(): Promise<PermissionResult> {
  try {
    const status = await navigator.permissions?.query({ name: 'microphone' as PermissionName });
    return status?.state === 'denied' ? 'denied' : 'granted';
  } catch {
    return 'granted';
  }
}

export function createH5Platform(config: AppConfig): Platform {
  const serverUrl = config.serverUrl ?? window.location.origin;
  return {
    liveAudio: 'pcm16le',
    socketTarget: () => ({
      uri: `${serverUrl}${config.namespace}`,
      transport: webSocketTransport(WebSocket),
    }),
    lifecycle: browserLifecycle,
    http: uniHttp(serverUrl),
    readFile: uniReadFile,
    createRecorder: createWebAudioRecorder,
    requestRecordPermission: microphonePermission,
    // Browsers have no settings page to open: explain where the switch is.
    openPermissionSettings: () =>
      void uniConfirm(
        strings.record.permissionTitle,
        strings.record.permissionBrowser,
        strings.common.confirm,
        strings.common.cancel,
      ),
    confirm: (title, content) => uniConfirm(title, content, strings.common.confirm, strings.common.cancel),
    toast: uniToast,
    stopPullDownRefresh: () => uni.stopPullDownRefresh(),
  };
}
