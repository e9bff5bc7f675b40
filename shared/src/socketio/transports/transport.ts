/**
 * @module transport — the one seam between the engine and a platform's WebSocket.
 *
 * A transport adapter receives its platform API as an argument (`WebSocket`, `wx.connectSocket`,
 * `wx.cloud`, ...) and turns it into this small interface, so everything above it is platform-free and
 * testable in Node. Platform globals are referenced nowhere else in the client.
 */
import type { ClientError } from '../errors';

/** What the engine asks a transport to open. */
export interface TransportRequest {
  /**
   * Full `ws:`/`wss:` URL including path and query, e.g.
   * `ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&token=x`.
   * `undefined` when the client was created from a bare namespace (`io('/realtime-voice')`), which only
   * transports that need no URL (connectContainer) accept.
   */
  readonly url: string | undefined;
  /** Path and query, always present, e.g. `/socket.io/?EIO=4&transport=websocket&token=x`. */
  readonly path: string;
}

/** Why a transport closed. */
export interface TransportCloseDetails {
  /** WebSocket close code when the platform reports one (1000, 1006, 1009, ...). */
  readonly code?: number;
  /** Close reason or the platform's message; may be empty. */
  readonly reason: string;
}

/** Callbacks the engine gives a transport. */
export interface TransportListener {
  /** The WebSocket is open; `send` may be called from now on. */
  onOpen(): void;
  /** One WebSocket frame: text as a string, binary as an ArrayBuffer holding exactly the frame's bytes. */
  onMessage(data: string | ArrayBuffer): void;
  /** A failure (opening or while open). Always followed by `onClose`. */
  onError(error: ClientError): void;
  /**
   * The connection is gone. Called exactly once, and last — unless the engine called `close()` first,
   * after which the transport calls nothing at all.
   */
  onClose(details: TransportCloseDetails): void;
}

/** An open (or opening) connection. */
export interface TransportConnection {
  /** Send one frame: a string as text, an ArrayBuffer as binary (exactly its bytes). Only after onOpen. */
  send(data: string | ArrayBuffer): void;
  /** Close the connection (idempotent). Safe before onOpen: a pending open is cancelled and closed. */
  close(): void;
}

/** A platform's way to open a WebSocket, as `ManagerOptions.transport` takes it. */
export interface Transport {
  /** Short name for logs and errors: `websocket`, `connectSocket`, `connectContainer`. */
  readonly name: string;
  /** Open a connection; must not throw — report failures through `listener.onError` + `onClose`. */
  open(request: TransportRequest, listener: TransportListener): TransportConnection;
}

/** Events a mini-program (or browser) reports so the Manager can reconnect at once instead of waiting. */
export interface LifecycleListener {
  /** The app came back to the foreground (`wx.onAppShow`). */
  foreground(): void;
  /** The app went to the background (`wx.onAppHide`). */
  background(): void;
  /** Network connectivity changed (`wx.onNetworkStatusChange`). */
  network(isConnected: boolean): void;
}

/** Subscribes a listener to platform lifecycle events; returns the function that unsubscribes. */
export type LifecycleSource = (listener: LifecycleListener) => () => void;
