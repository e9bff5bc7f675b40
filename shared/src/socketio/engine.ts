/**
 * @module engine — one Engine.IO v4 connection over one transport connection.
 *
 * Owns the handshake, answers pings, runs the heartbeat watchdog, queues frames until open and refuses
 * frames over the server's `maxPayload` (the server would otherwise close the socket with 1009: a
 * "mystery disconnect"). It never reconnects: the Manager creates a new Engine for that.
 */
import type { Logger } from './debug';
import { Emitter } from './emitter';
import {
  decodeEnginePacket,
  encodeEnginePacket,
  frameByteLength,
  type Handshake,
  parseHandshake,
} from './engine-io-parser';
import { ClientError } from './errors';
import type {
  Transport,
  TransportCloseDetails,
  TransportConnection,
  TransportRequest,
} from './transports/transport';

/** Why an engine closed. Same strings as socket.io-client's disconnect reasons. */
export type EngineCloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close';

/** Events an Engine emits. */
export interface EngineReservedEvents {
  /** Handshake done; packets may be sent. */
  open: (handshake: Handshake) => void;
  /** The data of one Engine.IO `message` packet (text or binary). */
  data: (data: string | ArrayBuffer) => void;
  /** The server pinged (and was answered). */
  ping: () => void;
  /** The connection is gone; emitted exactly once. `error` says why in a form people can act on. */
  close: (reason: EngineCloseReason, error: ClientError | undefined) => void;
}

/** Called when a packet could not be sent; the packet was dropped whole. */
export type RejectCallback = (error: ClientError) => void;

type Timer = ReturnType<typeof setTimeout>;

/**
 * One Engine.IO connection.
 *
 * @example
 * const engine = new Engine(webSocketTransport(WebSocket), request, log);
 * engine.on('open', () => engine.send(['40']));
 * engine.open();
 */
export class Engine extends Emitter<{}, {}, EngineReservedEvents> {
  /** `opening` until the handshake, then `open`, then `closed` for good. */
  readyState: 'new' | 'opening' | 'open' | 'closed' = 'new';
  /** The handshake once open. */
  handshake: Handshake | undefined;
  private connection: TransportConnection | undefined;
  private readonly queue: Array<{ frames: Array<string | ArrayBuffer>; onReject?: RejectCallback }> = [];
  private pingTimer: Timer | undefined;
  private pingDeadline = 0;
  private transportError: ClientError | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly request: TransportRequest,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Opens the transport connection; call once. */
  open(): void {
    if (this.readyState !== 'new') return;
    this.readyState = 'opening';
    this.log.debug('opening', this.transport.name, this.request.url ?? this.request.path);
    // A transport must not throw, but one written by someone else might: never let that escape.
    try {
      this.connection = this.transport.open(this.request, {
        onOpen: () => this.log.debug('transport open, waiting for the handshake'),
        onMessage: (frame) => this.onFrame(frame),
        onError: (error) => {
          if (this.readyState === 'closed') return;
          this.log.debug('transport error', error.message);
          this.transportError = error;
        },
        onClose: (details) => this.onTransportClose(details),
      });
    } catch (e) {
      const error = new ClientError(
        'TRANSPORT_ERROR',
        `The ${this.transport.name} transport failed to open.`,
        e,
      );
      this.finish('transport error', error);
    }
  }

  /**
   * Sends the frames of one packet, or queues them until open. Frames over the server's `maxPayload`
   * are not sent: `onReject` gets PAYLOAD_TOO_LARGE and nothing of the packet goes out.
   */
  send(frames: Array<string | ArrayBuffer>, onReject?: RejectCallback): void {
    if (this.readyState === 'open') this.write(frames, onReject);
    else if (this.readyState === 'closed') {
      onReject?.(new ClientError('TRANSPORT_CLOSED', 'The connection is closed; the packet was not sent.'));
    } else this.queue.push({ frames, onReject });
  }

  /** Closes the connection; emits `close` with `forced close` (once). */
  close(): void {
    this.finish('forced close', undefined);
  }

  /** Whether the heartbeat deadline has passed (a suspended app may not have run its timers). */
  hasPingExpired(): boolean {
    return this.readyState === 'open' && this.pingDeadline > 0 && Date.now() > this.pingDeadline;
  }

  private write(frames: Array<string | ArrayBuffer>, onReject?: RejectCallback): void {
    const max = this.handshake?.maxPayload ?? 0;
    if (max > 0) {
      for (const frame of frames) {
        // Text frames carry the 1-byte Engine.IO type prefix on the wire.
        const size = frameByteLength(frame) + (typeof frame === 'string' ? 1 : 0);
        if (size > max) {
          const error = new ClientError(
            'PAYLOAD_TOO_LARGE',
            `A frame of ${size} bytes exceeds the server's maxPayload of ${max} bytes; the packet was not sent. ` +
              'Split the data into smaller chunks or raise the server’s maxHttpBufferSize.',
            { size, maxPayload: max },
          );
          this.log.warn(error.message);
          if (onReject) onReject(error);
          return;
        }
      }
    }
    for (const frame of frames) {
      this.sendFrame(encodeEnginePacket({ type: 'message', data: frame }));
    }
  }

  private sendFrame(frame: string | ArrayBuffer): void {
    try {
      this.connection?.send(frame);
    } catch (e) {
      // A platform that throws on send (socket already closing) is a dead connection.
      this.finish(
        'transport error',
        new ClientError('TRANSPORT_ERROR', 'Sending on the transport failed.', e),
      );
    }
  }

  private onFrame(frame: string | ArrayBuffer): void {
    if (this.readyState === 'closed') return;
    const packet = decodeEnginePacket(frame);
    if (packet instanceof ClientError) {
      this.finish('parse error', packet);
      return;
    }
    if (this.readyState === 'opening') {
      if (packet.type !== 'open') {
        this.finish(
          'parse error',
          new ClientError('PARSE_ERROR', 'Expected the Engine.IO handshake first.', frame),
        );
        return;
      }
      const handshake = parseHandshake(packet.data);
      if (handshake instanceof ClientError) {
        this.finish('parse error', handshake);
        return;
      }
      this.handshake = handshake;
      this.readyState = 'open';
      this.log.debug('handshake', handshake);
      this.resetPingTimer();
      this.emitReserved('open', handshake);
      for (const item of this.queue.splice(0)) {
        if (this.readyState !== 'open') break;
        this.write(item.frames, item.onReject);
      }
      return;
    }
    switch (packet.type) {
      case 'ping':
        this.resetPingTimer();
        this.sendFrame(encodeEnginePacket({ type: 'pong', data: packet.data }));
        this.emitReserved('ping');
        return;
      case 'message':
        this.emitReserved('data', packet.data ?? '');
        return;
      case 'close':
        this.finish(
          'transport close',
          new ClientError('TRANSPORT_CLOSED', 'The server closed the connection.'),
        );
        return;
      case 'open':
        this.finish('parse error', new ClientError('PARSE_ERROR', 'Unexpected second handshake.', frame));
        return;
      default:
        // pong, upgrade and noop carry nothing for a websocket-only client.
        return;
    }
  }

  private onTransportClose(details: TransportCloseDetails): void {
    if (this.readyState === 'closed') return;
    if (this.transportError) {
      this.finish('transport error', this.transportError);
      return;
    }
    const tooLarge = details.code === 1009;
    const error = new ClientError(
      'TRANSPORT_CLOSED',
      tooLarge
        ? 'The server closed the connection because a message exceeded its maxPayload (close code 1009).'
        : `The connection closed (code ${details.code ?? 'unknown'}${details.reason ? `: ${details.reason}` : ''}).`,
      details,
    );
    this.finish('transport close', error);
  }

  private resetPingTimer(): void {
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    const { pingInterval, pingTimeout } = this.handshake as Handshake;
    const delay = pingInterval + pingTimeout;
    this.pingDeadline = Date.now() + delay;
    this.pingTimer = setTimeout(() => {
      this.log.debug('no ping within', delay, 'ms');
      this.finish(
        'ping timeout',
        new ClientError(
          'PING_TIMEOUT',
          `No ping from the server within ${delay} ms; the connection is considered dead.`,
        ),
      );
    }, delay);
  }

  /** Tears down once: timers, transport, queued packets; then emits `close`. */
  private finish(reason: EngineCloseReason, error: ClientError | undefined): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    this.log.debug('close', reason, error?.message ?? '');
    const connection = this.connection;
    this.connection = undefined;
    try {
      connection?.close();
    } catch {
      // Closing an already broken platform socket may throw; it is gone either way.
    }
    const dropped = this.queue.splice(0);
    const closed = new ClientError('TRANSPORT_CLOSED', 'The connection closed before the packet was sent.');
    for (const item of dropped) item.onReject?.(closed);
    this.emitReserved('close', reason, error);
  }
}
