/**
 * @module errors — the one error type the client raises, with a stable `code` people can branch on.
 */

/** Every code the client can raise. Each one is documented with what to do about it in docs/client.md. */
export type ClientErrorCode =
  /** No platform API was given or found (no `WebSocket`, no `connectSocket`, no `wx.cloud`). */
  | 'TRANSPORT_UNAVAILABLE'
  /** `wx.cloud.init()` was not called before connecting through Cloud Hosting. */
  | 'CLOUD_NOT_INITIALIZED'
  /** The WeChat base library is older than 2.21.1 and has no `wx.cloud.connectContainer`. */
  | 'BASE_LIBRARY_TOO_OLD'
  /** Cloud Hosting does not know the service name (or env) that was asked for. */
  | 'SERVICE_NOT_FOUND'
  /** The platform refused or failed to open the WebSocket. */
  | 'TRANSPORT_ERROR'
  /** The WebSocket closed while it was in use (or before a packet could be sent on it). */
  | 'TRANSPORT_CLOSED'
  /** The connection (or a namespace CONNECT) did not complete within `timeout`. */
  | 'CONNECT_TIMEOUT'
  /** The server answered a namespace CONNECT with CONNECT_ERROR (message from the server). */
  | 'CONNECT_REFUSED'
  /** No PING from the server within `pingInterval + pingTimeout`. */
  | 'PING_TIMEOUT'
  /** A packet frame is larger than the server's `maxPayload`; nothing of it was sent, the connection stays up. */
  | 'PAYLOAD_TOO_LARGE'
  /** The offline buffer (or the `retries` queue) already holds `maxBufferedPackets`; the packet was not queued. */
  | 'BUFFER_FULL'
  /** No acknowledgement arrived within the timeout. */
  | 'ACK_TIMEOUT'
  /** The socket disconnected (any reason: app, server, network) while an error-first ack was pending. */
  | 'DISCONNECTED'
  /** The server sent a frame that is not a valid Engine.IO / Socket.IO packet. */
  | 'PARSE_ERROR';

/**
 * An error raised by the client. `code` is stable; `message` says what happened and what to do.
 *
 * @example
 * socket.on('connect_error', (err) => {
 *   if (err.code === 'CONNECT_REFUSED') showLogin(err.message);
 * });
 */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  /** Extra data: the server's CONNECT_ERROR payload, the platform's raw error object, ... */
  readonly data: unknown;

  constructor(code: ClientErrorCode, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}
