/**
 * @module stores/connection — what the page shows about the connection. Never the socket itself.
 *
 * `useVoiceApp` copies the state of `useSocketIO` here through `update()`, so any component can show it.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { strings } from '../locale/strings';

/** The socket's state as the page shows it (`useSocketIO`'s `status`; the store knows no socket). */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused';

/** Why the socket is offline (`useSocketIO`'s `offlineReason`). */
export type ConnectionOfflineReason = 'client' | 'server' | 'gave-up' | 'network';

export interface ConnectionSnapshot {
  readonly status: ConnectionStatus;
  readonly attempt: number;
  readonly socketId: string | undefined;
  readonly offlineReason: ConnectionOfflineReason | undefined;
  /** The last error's message (the server's message when it refused). */
  readonly errorMessage: string | undefined;
  /** The last error's `ClientError` code. */
  readonly errorCode?: string | undefined;
}

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('idle');
  const attempt = ref(0);
  const socketId = ref<string | undefined>(undefined);
  const offlineReason = ref<ConnectionOfflineReason | undefined>(undefined);
  const errorMessage = ref<string | undefined>(undefined);
  const errorCode = ref<string | undefined>(undefined);
  /** Which way the socket travels, for the status line (`Cloud Hosting`, `WebSocket`, ...). */
  const transportName = ref<string | undefined>(undefined);

  const connected = computed(() => status.value === 'connected');

  /** The status line, in the UI language. */
  const label = computed(() => {
    switch (status.value) {
      case 'idle':
        return strings.status.idle;
      case 'connecting':
        return strings.status.connecting;
      case 'connected':
        return strings.status.connected;
      case 'reconnecting':
        return strings.status.reconnecting(attempt.value);
      case 'refused':
        return strings.status.refused;
      case 'offline':
        return strings.status.offline;
      default:
        return strings.status.offline;
    }
  });

  /** The last error in the UI language; the raw message when the code has no translation. */
  const cause = computed(() => {
    const known = errorCode.value ? strings.clientErrors[errorCode.value] : undefined;
    return known ?? errorMessage.value ?? '';
  });

  /** Why: the server's own message when refused, the cause when offline or reconnecting. */
  const reason = computed(() => {
    if (status.value === 'refused') return errorMessage.value ?? '';
    if (status.value === 'offline') {
      if (offlineReason.value === 'network') return strings.status.networkLost;
      if (offlineReason.value === 'gave-up') return cause.value || strings.status.gaveUp;
      if (offlineReason.value === 'client') return strings.status.disconnectedByUser;
      return cause.value;
    }
    if (status.value === 'reconnecting' || status.value === 'connecting') return cause.value;
    return '';
  });

  /** Which way the socket travels (the transport's name). */
  function setTransport(name: string): void {
    transportName.value = name;
  }

  function update(snapshot: ConnectionSnapshot): void {
    status.value = snapshot.status;
    attempt.value = snapshot.attempt;
    socketId.value = snapshot.socketId;
    offlineReason.value = snapshot.offlineReason;
    errorMessage.value = snapshot.errorMessage;
    errorCode.value = snapshot.errorCode;
  }

  return {
    status,
    attempt,
    socketId,
    offlineReason,
    errorMessage,
    errorCode,
    transportName,
    connected,
    label,
    reason,
    setTransport,
    update,
  };
});
