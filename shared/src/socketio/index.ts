/**
 * @module socketio — public API of the mini-program Socket.IO v4 client, published as `socket.io-miniprogram`.
 *
 * Mirrors socket.io-client 4.8: `io()`, `Manager`, `Socket`, plus transport factories that receive their
 * platform API as an argument (`wx.cloud`, `wx.connectSocket`, `WebSocket`).
 */
import type { DefaultEventsMap, EventsMap } from './emitter';
import { Manager, type ManagerInit } from './manager';
import type { Socket } from './socket';
import { parseUri } from './url';

export { Backoff } from './backoff';
export type { DebugOption } from './debug';
export type { AnyListener, DefaultEventsMap, EventNames, EventParams, EventsMap } from './emitter';
export type { Handshake } from './engine-io-parser';
export { ClientError, type ClientErrorCode } from './errors';
export {
  type CloseReason,
  Manager,
  type ManagerInit,
  type ManagerOptions,
  type ManagerReservedEvents,
} from './manager';
export {
  type AckResult,
  type AuthOption,
  type DecorateAcknowledgements,
  type DisconnectReason,
  Socket,
  type SocketOptions,
  type SocketReservedEvents,
  type WithoutAck,
} from './socket';
export { PacketType } from './socket-io-parser';
export {
  type CloudLike,
  type ConnectContainerTransportOptions,
  connectContainerTransport,
} from './transports/connect-container';
export {
  type ConnectSocketFunction,
  type ConnectSocketTransportOptions,
  connectSocketTransport,
  type SocketTaskLike,
} from './transports/connect-socket';
export { type MiniProgramLifecycleApi, miniProgramLifecycle } from './transports/lifecycle';
export type {
  LifecycleListener,
  LifecycleSource,
  Transport,
  TransportCloseDetails,
  TransportConnection,
  TransportListener,
  TransportRequest,
} from './transports/transport';
export { type WebSocketConstructor, type WebSocketLike, webSocketTransport } from './transports/websocket';
export type { QueryValues } from './url';

/** Options `io()` takes: the Manager's, the Socket's, and `forceNew` / `multiplex`. */
export type IoOptions = ManagerInit & {
  /** Always create a new Manager (connection). Default false. */
  forceNew?: boolean;
  /** Share a Manager per server. Default true; false behaves as `forceNew`. */
  multiplex?: boolean;
};

const cache = new Map<string, Manager>();

/**
 * Creates a socket for a namespace. Sockets of one server share one Manager (one connection) unless
 * `forceNew` or `multiplex: false` is given, or the namespace already has a socket on it.
 *
 * @example
 * const socket = io('/realtime-voice', { transport: connectContainerTransport({ cloud: wx.cloud, service: 'api' }) });
 * const other = io('https://example.com/chat', { transport: webSocketTransport(WebSocket) });
 */
export function io<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
>(opts: IoOptions): Socket<ListenEvents, EmitEvents>;
export function io<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
>(uri: string | undefined, opts: IoOptions): Socket<ListenEvents, EmitEvents>;
export function io<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
>(uri?: string | IoOptions, opts?: IoOptions): Socket<ListenEvents, EmitEvents> {
  if (typeof uri === 'object') {
    opts = uri;
    uri = undefined;
  }
  const options = opts || ({} as IoOptions);
  const parsed = parseUri(uri, options.path);
  if (parsed instanceof Error) throw parsed;
  const cached = cache.get(parsed.id);
  // A namespace that already has a socket on the shared Manager gets a connection of its own.
  const newConnection =
    options.forceNew || options.multiplex === false || (cached ? cached.hasSocket(parsed.nsp) : false);
  const manager = cached && !newConnection ? cached : new Manager(uri, options);
  if (!(cached || newConnection)) cache.set(parsed.id, manager);
  // Query of a URL given to io() joins the Manager's query (socket.io-client does the same).
  return manager.socket<ListenEvents, EmitEvents>(parsed.nsp, options);
}

/** socket.io-client's other name for {@link io}: `import { connect } from '…'` works as there. */
export { io as connect };

export default io;
