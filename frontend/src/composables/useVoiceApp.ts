/**
 * @module useVoiceApp — wires the page: platform → socket, recorder, voice session, stores, API.
 *
 * The page calls this once with what `main.ts` provided (`injectAppContext()`) and binds its template to
 * the stores and the returned actions; everything platform-specific arrives in `platform`, so this file
 * runs in unit tests with fakes too. It changes stores only through their actions.
 */
import type {
  TranscriptRecord,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { computed, watch } from 'vue';
import type { VoiceApi } from '../api';
import type { AppConfig } from '../config';
import { strings } from '../locale/strings';
import type { Platform } from '../platform/types';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useStatsStore } from '../stores/stats';
import { useTranscriptStore } from '../stores/transcript';
import { tryOnScopeDispose } from './scope';
import { useRealtimeVoice } from './useRealtimeVoice';
import { useRecorder } from './useRecorder';
import { type UseSocketIOOptions, useSocketIO } from './useSocketIO';

export interface UseVoiceAppOptions {
  readonly platform: Platform;
  readonly config: AppConfig;
  /** The HTTP API the stores use too (recording uploads on platforms without live frames). */
  readonly api: VoiceApi;
  /** Extra client options (tests shorten the reconnection delays). */
  readonly clientOptions?: UseSocketIOOptions['clientOptions'];
}

export function useVoiceApp(options: UseVoiceAppOptions) {
  const { platform, config, api } = options;
  const connection = useConnectionStore();
  const transcript = useTranscriptStore();
  const history = useHistoryStore();
  const stats = useStatsStore();

  const target = platform.socketTarget();
  connection.setTransport(target.transport.name);
  const io = useSocketIO<VoiceServerToClientEvents, VoiceClientToServerEvents>({
    uri: target.uri,
    transport: target.transport,
    ...(config.authToken ? { auth: { token: config.authToken } } : {}),
    ...(platform.lifecycle ? { lifecycle: platform.lifecycle } : {}),
    debug: config.debug,
    clientOptions: { reconnectionDelayMax: 5_000, ...options.clientOptions },
  });

  watch(
    [io.status, io.attempt, io.id, io.error, io.offlineReason],
    () =>
      connection.update({
        status: io.status.value,
        attempt: io.attempt.value,
        socketId: io.id.value,
        offlineReason: io.offlineReason.value,
        errorMessage: io.error.value?.message,
        errorCode: io.error.value?.code,
      }),
    { immediate: true },
  );

  const recorder = useRecorder({
    driver: platform.createRecorder(),
    requestPermission: platform.requestRecordPermission,
    onInterrupted: (reason) => {
      // `stopped`: the recorder reached its time limit (a file recorder's take is still recognised).
      void voice.interrupt(reason === 'stopped' ? 'recorder-limit' : 'recorder-paused');
    },
  });

  const onRecord = (record: TranscriptRecord): void => {
    history.upsert(record);
  };
  const voice = useRealtimeVoice({
    socket: io,
    recorder,
    language: config.language,
    engine: config.engine,
    ...(platform.liveAudio !== false
      ? {}
      : {
          recognizeFile: async (file) =>
            api.recognizeRecording(await platform.readFile(file.filePath), file.format),
        }),
    onRecord,
  });

  // Records stored from any of this user's devices (and this one).
  const onHistoryNew: VoiceServerToClientEvents['history:new'] = (record) => {
    history.upsert(record);
    if (stats.stats) void stats.refresh();
  };
  io.socket.on('history:new', onHistoryNew);

  // History and stats are HTTP: load them now, whether or not the socket connects.
  void history.refresh();
  void stats.refresh();
  // Each reconnection: load what may have been stored while we were away, keeping the pages scrolled to.
  let connectedBefore = false;
  const stopConnectedWatch = watch(io.status, (status, previous) => {
    if (status === 'connected' && previous !== 'connected') {
      if (connectedBefore) {
        void history.refresh({ keepLoadedPages: true });
        void stats.refresh();
      }
      connectedBefore = true;
    }
  });

  // Hidden app: end the take cleanly (WeChat pauses the recorder and cuts sockets 5 s later anyway).
  const offLifecycle = platform.lifecycle?.({
    foreground: () => undefined,
    background: () => void voice.interrupt('background'),
    network: () => undefined,
  });

  tryOnScopeDispose(() => {
    offLifecycle?.();
    stopConnectedWatch();
    io.socket.off('history:new', onHistoryNew);
  });

  const permissionDenied = computed(() => recorder.status.value === 'denied');
  // Record-then-upload goes over HTTP: it does not need the socket.
  const canRecord = computed(() => platform.liveAudio === false || io.status.value === 'connected');

  /** Press-and-hold: down. */
  async function press(): Promise<void> {
    await voice.start();
  }
  /** Press-and-hold: up (also ends a toggle take). */
  async function release(): Promise<void> {
    await voice.stop();
  }

  async function deleteRecord(id: string): Promise<void> {
    const ok = await platform.confirm(
      strings.history.deleteConfirmTitle,
      strings.history.deleteConfirmContent,
    );
    if (!ok) return;
    if (await history.remove(id)) {
      transcript.removeResult(id);
      platform.toast(strings.history.deleted);
      void stats.refresh();
    }
  }

  /** Pull to refresh: history and stats, then end the platform's refresh animation. */
  async function refreshAll(): Promise<void> {
    await Promise.all([history.refresh(), stats.refresh()]);
    platform.stopPullDownRefresh();
  }

  return {
    live: platform.liveAudio !== false,
    permissionDenied,
    canRecord,
    press,
    release,
    toggle: voice.toggle,
    deleteRecord,
    refreshAll,
    loadMore: () => history.loadMore(),
    reconnect: () => io.connect(),
    openSettings: () => platform.openPermissionSettings(),
  };
}

export type UseVoiceAppReturn = ReturnType<typeof useVoiceApp>;
