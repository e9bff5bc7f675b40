/**
 * @module engine — one Engine.IO v4 connection over one transport connection.
 *
 * Owns the handshake, answers pings, runs the heartbeat watchdog and refuses frames over the server's
 * `maxPayload` (the server would otherwise close the socket with 1009: a "mystery disconnect"). It never reconnects: the Manager creates a new Engine for that.
 */
import {
  badPacket,
  decodeEnginePacket,
  encodeEnginePacket,
  frameByteLength,
  type Handshake,
  parseHandshake,
} from './engine-io-parser';
import { ClientError } from './errors';
import type { Transport, TransportConnection, TransportRequest } from './transports/transport';

/** Why an engine closed. Same strings as socket.io-client's disconnect reasons. */
export type EngineCloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close';

/** What an Engine reports to its owner (the Manager). */
export interface EngineHandlers {
  /** Handshake done; packets may be sent. */
  open(handshake: Handshake): void;
  /** The data of one Engine.IO `message` packet (text or binary). */
  data(data: string | ArrayBuffer): void;
  /** The server pinged (and was answered). */
  ping(): void;
  /** The connection is gone by itself (not by `close()`); called once. `error` says why. */
  close(reason: EngineCloseReason, error: ClientError): void;
}

/** Called when a packet could not be sent; the packet was dropped whole. */
export type RejectCallback = (error: ClientError) => void;

type Frames = Array<string | ArrayBuffer>;
type Timer = ReturnType<typeof setTimeout>;

/** The error of a packet that never went out because its connection is gone. */
export const notSent = (): ClientError => new ClientError('TRANSPORT_CLOSED', 'Not connected');

/**
 * One Engine.IO connection. After `close()` it calls none of its handlers: its owner has moved on.
 *
 * @example
 * const engine = new Engine({ open, data, ping, close });
 * engine.open(webSocketTransport(WebSocket), request);
 */
export class Engine {
  /** `opening` until the handshake, then `open`, then `closed` for good. */
  readyState: 'opening' | 'open' | 'closed' = 'opening';
  /** The handshake once open. */
  handshake: Handshake | undefined;
  private _conn: TransportConnection | undefined;
  private _pingTimer: Timer | undefined;
  private _pingDeadline = 0;
  private _error: ClientError | undefined;

  constructor(private readonly _on: EngineHandlers) {}

  /** Opens the transport connection; call once. */
  open(transport: Transport, request: TransportRequest): void {
    // A transport must not throw, but one written by someone else might: never let that escape.
    try {
      this._conn = transport.open(request, {
        onOpen() {},
        onMessage: (frame) => this._onFrame(frame),
        onError: (error) => {
          this._error = error;
        },
        // Close code 1009 (a frame over the server's maxPayload) is explained in docs/client.md.
        onClose: (details) =>
          this._finish(
            this._error ? 'transport error' : 'transport close',
            this._error ||
              new ClientError('TRANSPORT_CLOSED', `Closed (${details.code} ${details.reason})`, details),
          ),
      });
    } catch (e) {
      this._finish('transport error', new ClientError('TRANSPORT_ERROR', `${transport.name} open failed`, e));
    }
  }

  /**
   * Sends the frames of one packet. Frames over the server's `maxPayload` are not sent: `onReject` gets
   * PAYLOAD_TOO_LARGE and nothing of the packet goes out. Before open (and after close) `onReject` gets
   * TRANSPORT_CLOSED: nothing is queued here, because the Manager only lets sockets send once it is open
   * (namespace CONNECTs go out on its `open` event).
   */
  send(frames: Frames, onReject?: RejectCallback): void {
    if (this.readyState === 'open') this._write(frames, onReject);
    else if (onReject) onReject(notSent());
  }

  /** Closes the connection quietly: no handler is called any more. */
  close(): void {
    this._finish('forced close');
  }

  /**
   * @internal Closes with PING_TIMEOUT when the heartbeat deadline has passed (a suspended app may not
   * have run its timers), or `now` (the watchdog timer); returns whether it did.
   */
  _expire(now?: boolean): boolean {
    const expired = now || (this.readyState === 'open' && Date.now() > this._pingDeadline);
    if (expired) this._finish('ping timeout', new ClientError('PING_TIMEOUT', 'No ping in time'));
    return expired;
  }

  private _write(frames: Frames, onReject?: RejectCallback): void {
    const max = (this.handshake as Handshake).maxPayload;
    for (const frame of frames) {
      // Text frames carry the 1-byte Engine.IO type prefix on the wire.
      const size = frameByteLength(frame) + (typeof frame === 'string' ? 1 : 0);
      if (max && size > max) {
        if (onReject) {
          onReject(
            new ClientError('PAYLOAD_TOO_LARGE', `Frame of ${size} B > maxPayload ${max} B`, {
              size,
              maxPayload: max,
            }),
          );
        }
        return;
      }
    }
    for (const frame of frames) this._sendFrame(encodeEnginePacket({ type: 'message', data: frame }));
  }

  private _sendFrame(frame: string | ArrayBuffer): void {
    try {
      // Frames are only sent once the transport delivered the handshake, so the connection exists.
      (this._conn as TransportConnection).send(frame);
    } catch (e) {
      // A platform that throws on send (socket already closing) is a dead connection.
      this._finish('transport error', new ClientError('TRANSPORT_ERROR', 'Send failed', e));
    }
  }

  private _onFrame(frame: string | ArrayBuffer): void {
    if (this.readyState === 'closed') return;
    const packet = decodeEnginePacket(frame);
    if (packet instanceof ClientError) {
      this._finish('parse error', packet);
      return;
    }
    const { type, data } = packet;
    // The handshake comes first and only once.
    if ((type === 'open') !== (this.readyState === 'opening')) {
      this._finish('parse error', badPacket(frame, 'Engine.IO'));
    } else if (type === 'open') this._onHandshake(parseHandshake(data));
    else if (type === 'ping') {
      this._resetPingTimer();
      this._sendFrame(encodeEnginePacket({ type: 'pong', data }));
      this._on.ping();
    } else if (type === 'message') this._on.data(data || '');
    else if (type === 'close') {
      this._finish('transport close', new ClientError('TRANSPORT_CLOSED', 'Closed by server'));
    }
    // pong, upgrade and noop carry nothing for a websocket-only client.
  }

  private _onHandshake(handshake: Handshake | ClientError): void {
    if (handshake instanceof ClientError) {
      this._finish('parse error', handshake);
      return;
    }
    this.handshake = handshake;
    this.readyState = 'open';
    this._resetPingTimer();
    this._on.open(handshake);
  }

  private _resetPingTimer(): void {
    clearTimeout(this._pingTimer);
    const { pingInterval, pingTimeout } = this.handshake as Handshake;
    const delay = pingInterval + pingTimeout;
    this._pingDeadline = Date.now() + delay;
    this._pingTimer = setTimeout(() => this._expire(true), delay);
  }

  /** Tears down once: timer, transport; then tells the owner, unless it asked for it. */
  private _finish(reason: EngineCloseReason, error?: ClientError): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    clearTimeout(this._pingTimer);
    try {
      (this._conn as TransportConnection).close();
    } catch {
      // Closing a broken platform socket may throw (or there is none: open() threw); gone either way.
    }
    if (error) this._on.close(reason, error);
  }
}
