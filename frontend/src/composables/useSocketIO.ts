/**
 * @module useSocketIO — our Socket.IO client as a Vue composable, in VueUse's `useWebSocket` shape.
 *
 * Options object in; typed `shallowRef`s (`status`, `error`, `id`, `attempt`, …) and actions out; the
 * socket is disconnected and every listener removed when the calling scope is disposed. The transport and
 * the lifecycle source are injected, so the same composable runs over `wx.cloud.connectContainer`, any
 * vendor's `connectSocket`, a browser `WebSocket`, or a fake in tests. It knows nothing of this app:
 * copy this file and `scope.ts` into another uni-app project as they are.
 *
 * @example
 * const { socket, status, error } = useSocketIO<ServerEvents, ClientEvents>({
 *   uri: 'https://example.com/chat',
 *   transport: connectSocketTransport(wx.connectSocket),
 *   lifecycle: miniProgramLifecycle(wx),
 * });
 * socket.on('message', (text) => messages.value.push(text));
 */
import {
  type AuthOption,
  type ClientError,
  type DefaultEventsMap,
  type EventsMap,
  type IoOptions,
  io,
  type LifecycleSource,
  type Socket,
  type Transport,
} from 'socket.io-miniprogram';
import { type ShallowRef, shallowRef } from 'vue';
import { tryOnScopeDispose } from './scope';

/**
 * Where the connection stands.
 * - `idle`: not asked to connect yet (`autoConnect: false`).
 * - `connecting`: first connection in progress.
 * - `connected`: the namespace is connected.
 * - `reconnecting`: the connection dropped; the client is retrying (see `attempt`).
 * - `offline`: not connected and not retrying right now (disconnected on purpose, gave up, or no network).
 * - `refused`: the server answered CONNECT_ERROR (e.g. bad token); `error.message` is the server's message.
 */
export type SocketStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused';

/** Why the status is `offline`, when it is. */
export type OfflineReason = 'client' | 'server' | 'gave-up' | 'network';

/** Options of {@link useSocketIO}. */
export interface UseSocketIOOptions {
  /** A full URL (`https://host/ns`) or a bare namespace (`/ns`) for transports that need no URL. */
  readonly uri: string;
  /** The platform's way to open a WebSocket (`webSocketTransport()`, `connectSocketTransport(...)`, ...). */
  readonly transport: Transport;
  /** Socket.IO `auth` payload, or a function that produces it for every (re)connection. */
  readonly auth?: AuthOption;
  /** Foreground/network events: the client reconnects at once on return; `status` shows lost network. */
  readonly lifecycle?: LifecycleSource;
  /** Connect at once (default true); otherwise call `connect()`. */
  readonly autoConnect?: boolean;
  /** The client's debug log (default false). */
  readonly debug?: boolean;
  /** Any other Manager/Socket option (`reconnectionDelay`, `timeout`, `maxBufferedPackets`, ...). */
  readonly clientOptions?: Omit<IoOptions, 'transport' | 'auth' | 'lifecycle' | 'autoConnect' | 'debug'>;
  /** The client factory; defaults to `io` from `socket.io-miniprogram` (tests may wrap it). */
  readonly io?: typeof io;
}

/** What {@link useSocketIO} returns. */
export interface UseSocketIOReturn<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
> {
  /** The socket, for `on`/`emit`/`timeout`. Not reactive on purpose: keep it out of stores and refs. */
  readonly socket: Socket<ListenEvents, EmitEvents>;
  readonly status: ShallowRef<SocketStatus>;
  /** The last connection error (cleared on connect). */
  readonly error: ShallowRef<ClientError | undefined>;
  /** Socket id while connected. */
  readonly id: ShallowRef<string | undefined>;
  /** Reconnection attempt number while `reconnecting` (1, 2, …); 0 otherwise. */
  readonly attempt: ShallowRef<number>;
  /** Why the status is `offline`. */
  readonly offlineReason: ShallowRef<OfflineReason | undefined>;
  /** Whether the platform reports network connectivity (true when it reports nothing). */
  readonly online: ShallowRef<boolean>;
  /** Whether the last connection restored the previous session (connection state recovery). */
  readonly recovered: ShallowRef<boolean>;
  /** Connect (or reconnect after `disconnect()`, a refusal or giving up). */
  connect(): void;
  /** Disconnect on purpose; no reconnection until `connect()`. */
  disconnect(): void;
  /** Drop listeners and disconnect; called automatically on scope dispose. */
  close(): void;
}

/** Wraps the Socket.IO client in reactive state; see the module example. */
export function useSocketIO<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
>(options: UseSocketIOOptions): UseSocketIOReturn<ListenEvents, EmitEvents> {
  const autoConnect = options.autoConnect ?? true;
  const create = options.io ?? io;
  const status = shallowRef<SocketStatus>('idle');
  const error = shallowRef<ClientError | undefined>(undefined);
  const id = shallowRef<string | undefined>(undefined);
  const attempt = shallowRef(0);
  const offlineReason = shallowRef<OfflineReason | undefined>(undefined);
  const online = shallowRef(true);
  const recovered = shallowRef(false);

  const socket = create<ListenEvents, EmitEvents>(options.uri, {
    ...options.clientOptions,
    transport: options.transport,
    auth: options.auth,
    lifecycle: options.lifecycle,
    debug: options.debug ?? false,
    // We call connect() ourselves below, after every listener is in place, so no event is missed.
    autoConnect: false,
  });

  const goOffline = (reason: OfflineReason): void => {
    status.value = 'offline';
    offlineReason.value = reason;
    attempt.value = 0;
  };

  const onConnect = (): void => {
    status.value = 'connected';
    id.value = socket.id;
    recovered.value = socket.recovered;
    error.value = undefined;
    attempt.value = 0;
    offlineReason.value = undefined;
  };
  const onDisconnect = (reason: string): void => {
    id.value = undefined;
    if (reason === 'io client disconnect') goOffline('client');
    else if (!socket.active) goOffline('server');
    else if (!online.value) goOffline('network');
    else status.value = 'reconnecting';
  };
  const onConnectError = (err: ClientError): void => {
    error.value = err;
    if (socket.active) {
      // The Manager keeps trying; the status follows its attempts.
      if (status.value !== 'connecting' && online.value) status.value = 'reconnecting';
      return;
    }
    if (err.code === 'CONNECT_REFUSED') {
      status.value = 'refused';
      offlineReason.value = undefined;
      attempt.value = 0;
    } else {
      goOffline('gave-up');
    }
  };
  const onReconnectAttempt = (n: number): void => {
    attempt.value = n;
    // Without network the attempt cannot succeed: keep saying "network lost".
    if (status.value !== 'connected' && online.value) {
      status.value = 'reconnecting';
      offlineReason.value = undefined;
    }
  };
  const onReconnectFailed = (): void => goOffline('gave-up');

  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', onConnectError);
  socket.io.on('reconnect_attempt', onReconnectAttempt);
  socket.io.on('reconnect_failed', onReconnectFailed);

  // Our own subscription to the lifecycle, beside the client's: it only feeds `online` and `status`.
  const offLifecycle = options.lifecycle?.({
    foreground: () => undefined,
    background: () => undefined,
    network: (isConnected) => {
      online.value = isConnected;
      if (
        !isConnected &&
        status.value !== 'connected' &&
        status.value !== 'refused' &&
        status.value !== 'idle'
      ) {
        goOffline('network');
      }
    },
  });

  const connect = (): void => {
    if (socket.connected) return;
    status.value =
      status.value === 'idle' || status.value === 'refused' || status.value === 'offline'
        ? 'connecting'
        : status.value;
    error.value = status.value === 'connecting' ? undefined : error.value;
    offlineReason.value = undefined;
    socket.connect();
  };
  const disconnect = (): void => {
    socket.disconnect();
    // A disconnect() while not connected emits no 'disconnect' event; reflect it ourselves.
    goOffline('client');
    id.value = undefined;
  };

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    offLifecycle?.();
    socket.off('connect', onConnect);
    socket.off('disconnect', onDisconnect);
    socket.off('connect_error', onConnectError);
    socket.io.off('reconnect_attempt', onReconnectAttempt);
    socket.io.off('reconnect_failed', onReconnectFailed);
    socket.disconnect();
  };
  tryOnScopeDispose(close);

  if (autoConnect) connect();

  return { socket, status, error, id, attempt, offlineReason, online, recovered, connect, disconnect, close };
}
