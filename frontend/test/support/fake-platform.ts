/**
 * A `Platform` over the test fakes (fake Socket.IO server, fake HTTP, a recorder driver), a lifecycle source
 * the test drives by hand, and client options that reconnect fast. Shared by the composable and component
 * tests so that the platform seam is faked once.
 */
import type { LifecycleListener, LifecycleSource } from 'socket.io-miniprogram';
import type { Platform, RecorderDriver } from '../../src/platform/types';
import type { FakeHttp } from './fake-http';
import type { FakeSocketServer } from './fake-server';

/** Client options for tests: a fresh connection, reconnecting after 10–20 ms. */
export const FAST_CLIENT_OPTIONS = {
  forceNew: true,
  reconnectionDelay: 10,
  reconnectionDelayMax: 20,
  randomizationFactor: 0,
};

/** A lifecycle source whose listeners the test calls (`background()`, `network(false)`, ...). */
export function fakeLifecycle(): { source: LifecycleSource; listeners: Set<LifecycleListener> } {
  const listeners = new Set<LifecycleListener>();
  const source: LifecycleSource = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { source, listeners };
}

/**
 * A mini-program Platform over the fakes: WeChat for PCM and file drivers, Alipay for mp3. `calls` records
 * confirms, toasts and pull-down stops; `calls.confirmAnswer` is what `confirm` answers.
 */
export function fakePlatform(server: FakeSocketServer, http: FakeHttp, driver: RecorderDriver) {
  const { source, listeners: lifecycle } = fakeLifecycle();
  const calls = { confirms: [] as string[], toasts: [] as string[], stopPullDown: 0, confirmAnswer: true };
  const platform: Platform = {
    liveAudio: driver.kind === 'pcm' ? 'pcm16le' : driver.kind === 'mp3' ? 'mp3' : false,
    socketTarget: () => ({ uri: 'http://fake.test/realtime-voice', transport: server.transport }),
    lifecycle: source,
    http: http.client,
    readFile: async () => new Uint8Array([1, 2, 3, 4]).buffer,
    createRecorder: () => driver,
    requestRecordPermission: async () => 'granted',
    openPermissionSettings: () => undefined,
    confirm: async (title) => {
      calls.confirms.push(title);
      return calls.confirmAnswer;
    },
    toast: (message) => void calls.toasts.push(message),
    stopPullDownRefresh: () => void calls.stopPullDown++,
  };
  return { platform, lifecycle, calls };
}
