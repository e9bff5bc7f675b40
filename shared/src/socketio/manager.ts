/**
 * @module manager — one connection to a server, shared by every namespace (Socket) on it.
 *
 * Owns reconnection (exponential backoff with jitter), multiplexing, the Socket.IO decoder and the
 * lifecycle hook. It holds at most one Engine at a time: every new attempt closes the previous
 * connection first, because WeChat allows only 5 SocketTasks per mini-program.
 */
import { Backoff } from './backoff';
import { createLogger, type DebugOption, type Logger } from './debug';
import { type DefaultEventsMap, Emitter, type EventsMap, subscribe } from './emitter';
import { Engine, type EngineCloseReason, type RejectCallback } from './engine';
import { ClientError } from './errors';
import { Socket, type SocketOptions } from './socket';
import { Decoder, encodePacket, type Packet } from './socket-io-parser';
import type { LifecycleSource, Transport } from './transports/transport';
import { webSocketTransport } from './transports/websocket';
import { buildRequestPath, type ParsedUri, parseUri, type QueryValues } from './url';

/** Options of a Manager (and of `io()`). Same names and defaults as socket.io-client 4.8 where shared. */
export interface ManagerOptions {
  /** How to open the WebSocket. Default: `webSocketTransport()` (the global `WebSocket`). */
  transport: Transport;
  /** Engine.IO path on the server. Default `/socket.io/`. */
  path: string;
  /** Extra query parameters sent on every connection. */
  query: QueryValues;
  /** Reconnect automatically. Default true. */
  reconnection: boolean;
  /** Attempts before `reconnect_failed`. Default Infinity. */
  reconnectionAttempts: number;
  /** First reconnection delay in ms. Default 1000. */
  reconnectionDelay: number;
  /** Largest reconnection delay in ms. Default 5000. */
  reconnectionDelayMax: number;
  /** 0..1, how much each delay varies randomly. Default 0.5. */
  randomizationFactor: number;
  /** Connection (transport + handshake) timeout in ms, or false for none. Default 20000. */
  timeout: number | false;
  /** Connect as soon as created. Default true. */
  autoConnect: boolean;
  /** Packets kept per socket while disconnected (and in the `retries` queue). Default 100. */
  maxBufferedPackets: number;
  /** Debug logging: true for the console, a function for your own sink. Default false (silent). */
  debug: DebugOption;
  /** App lifecycle events (foreground, network) so reconnection happens at once. */
  lifecycle: LifecycleSource | undefined;
}

/** Why a connection closed (socket.io-client's reasons, plus `parse error` for malformed frames). */
export type CloseReason = EngineCloseReason;

/** Events a Manager emits. */
export interface ManagerReservedEvents {
  /** The connection is open (handshake done). */
  open: () => void;
  /** Opening the connection failed (also before each `reconnect_error`). */
  error: (error: ClientError) => void;
  /** The server pinged. */
  ping: () => void;
  /** A decoded packet for any namespace. */
  packet: (packet: Packet) => void;
  /** The connection closed; `error` says why in a form people can act on. */
  close: (reason: CloseReason, error: ClientError | undefined) => void;
  /** A reconnection attempt starts (1-based). */
  reconnect_attempt: (attempt: number) => void;
  /** Reconnected after `attempt` attempts. */
  reconnect: (attempt: number) => void;
  /** A reconnection attempt failed. */
  reconnect_error: (error: ClientError) => void;
  /** `reconnectionAttempts` were used up. */
  reconnect_failed: () => void;
}

/** What the Manager needs from a namespace socket it keeps. */
interface ManagedSocket {
  readonly active: boolean;
  connect(): unknown;
}

type Timer = ReturnType<typeof setTimeout>;

const DEFAULTS: Omit<ManagerOptions, 'transport' | 'lifecycle'> = {
  path: '/socket.io/',
  query: {},
  reconnection: true,
  reconnectionAttempts: Number.POSITIVE_INFINITY,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  timeout: 20_000,
  autoConnect: true,
  maxBufferedPackets: 100,
  debug: false,
};

/**
 * One connection to a server, multiplexing namespaces and reconnecting.
 *
 * @example
 * const manager = new Manager('https://example.com', { transport: webSocketTransport() });
 * const socket = manager.socket('/realtime-voice');
 */
export class Manager extends Emitter<{}, {}, ManagerReservedEvents> {
  /** The resolved options. */
  readonly opts: ManagerOptions;
  /** The current connection, if any. */
  engine: Engine | undefined;
  private readonly uri: ParsedUri;
  private readonly nsps = new Map<string, ManagedSocket>();
  private readonly decoder = new Decoder();
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private state: 'closed' | 'opening' | 'open' = 'closed';
  private reconnectingFlag = false;
  private skipReconnect = false;
  private reconnectTimer: Timer | undefined;
  private openTimer: Timer | undefined;
  private openCallback: ((error?: ClientError) => void) | undefined;
  private engineSubs: Array<() => void> = [];
  private lifecycleOff: (() => void) | undefined;

  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions & SocketOptions>) {
    super();
    if (typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    const given = opts ?? {};
    this.opts = {
      ...DEFAULTS,
      ...stripUndefined(given),
      transport: given.transport ?? webSocketTransport(),
      lifecycle: given.lifecycle,
    };
    const parsed = parseUri(uri, this.opts.path);
    if (parsed instanceof ClientError) throw parsed;
    this.uri = parsed;
    this.log = createLogger(this.opts.debug, 'socket.io:manager');
    this.backoff = new Backoff({
      min: this.opts.reconnectionDelay,
      max: this.opts.reconnectionDelayMax,
      jitter: this.opts.randomizationFactor,
    });
    if (this.opts.autoConnect) this.open();
  }

  /** `closed`, `opening` or `open`. */
  get readyState(): 'closed' | 'opening' | 'open' {
    return this.state;
  }

  /** Whether a reconnection is scheduled or in progress. */
  get reconnecting(): boolean {
    return this.reconnectingFlag;
  }

  /**
   * Opens the connection (no-op when opening or open). `callback` gets an error when this attempt fails.
   *
   * @example
   * manager.open((err) => { if (err) console.warn(err.code); });
   */
  open(callback?: (error?: ClientError) => void): this {
    if (this.state !== 'closed') return this;
    if (this.reconnectTimer !== undefined) {
      // An explicit open() during the backoff wait replaces the scheduled attempt.
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.reconnectingFlag = false;
    }
    this.subscribeLifecycle();
    // Never two live connections: drop whatever is left of the previous one before opening anew.
    this.cleanupEngine();
    this.skipReconnect = false;
    this.state = 'opening';
    this.openCallback = callback;
    const engine = new Engine(
      this.opts.transport,
      {
        url: this.uri.origin === undefined ? undefined : this.uri.origin + this.requestPath(),
        path: this.requestPath(),
      },
      this.log.child('engine'),
    );
    this.engine = engine;
    this.engineSubs = [
      subscribe(engine, 'open', () => this.onOpen()),
      subscribe(engine, 'data', (data) => this.onData(data)),
      subscribe(engine, 'ping', () => this.emitReserved('ping')),
      subscribe(engine, 'close', (reason, error) => {
        if (this.state === 'opening') {
          this.onOpenFailed(
            error ??
              new ClientError('TRANSPORT_CLOSED', `The connection closed before it opened (${reason}).`),
          );
        } else this.onClose(reason, error);
      }),
    ];
    if (this.opts.timeout !== false) {
      const timeout = this.opts.timeout;
      this.openTimer = setTimeout(() => {
        this.openTimer = undefined;
        if (this.state !== 'opening') return;
        this.log.debug('connect timeout');
        this.onOpenFailed(
          new ClientError('CONNECT_TIMEOUT', `The connection did not open within ${timeout} ms.`),
        );
      }, timeout);
    }
    engine.open();
    return this;
  }

  /** Alias of `open`. */
  connect(callback?: (error?: ClientError) => void): this {
    return this.open(callback);
  }

  /**
   * The socket of a namespace on this connection (created once, then reused).
   *
   * @example
   * const chat = manager.socket('/chat', { auth: { token } });
   */
  socket<L extends EventsMap<L> = DefaultEventsMap, E extends EventsMap<E> = DefaultEventsMap>(
    nsp: string,
    opts?: Partial<SocketOptions>,
  ): Socket<L, E> {
    const existing = this.nsps.get(nsp);
    if (existing !== undefined) {
      if (this.opts.autoConnect && !existing.active) existing.connect();
      return existing as unknown as Socket<L, E>;
    }
    const socket = new Socket<L, E>(this, nsp, opts);
    this.nsps.set(nsp, socket);
    return socket;
  }

  /** Whether a socket exists for the namespace on this Manager. */
  hasSocket(nsp: string): boolean {
    return this.nsps.has(nsp);
  }

  /**
   * Closes the connection for good (no reconnection) and stops listening to lifecycle events.
   *
   * @example
   * manager.close();
   */
  close(): this {
    this.log.debug('close');
    this.skipReconnect = true;
    this.reconnectingFlag = false;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.lifecycleOff?.();
    this.lifecycleOff = undefined;
    // Closing on purpose is not a failed reconnection attempt: no reconnect_error for it.
    this.openCallback = undefined;
    if (this.state === 'closed') this.cleanupEngine();
    else this.onClose('forced close', undefined);
    return this;
  }

  /** Alias of `close`. */
  disconnect(): this {
    return this.close();
  }

  /**
   * Encodes and sends a packet (used by Socket). `onReject` gets the error when it cannot be sent
   * (PAYLOAD_TOO_LARGE, TRANSPORT_CLOSED).
   */
  sendPacket(packet: Packet, onReject?: RejectCallback): void {
    this.log.debug('send', packet.type, packet.nsp);
    if (this.engine === undefined) {
      onReject?.(new ClientError('TRANSPORT_CLOSED', 'Not connected; the packet was not sent.'));
      return;
    }
    this.engine.send(encodePacket(packet), onReject);
  }

  /** Whether the connection is open and its heartbeat still alive (used by Socket before sending). */
  isWritable(): boolean {
    return this.state === 'open' && this.engine !== undefined && !this.engine.hasPingExpired();
  }

  /** Called by a socket that disconnected: close the connection when no namespace is active any more. */
  socketDestroyed(): void {
    for (const socket of this.nsps.values()) if (socket.active) return;
    this.close();
  }

  private requestPath(): string {
    return buildRequestPath(this.opts.path, this.uri.query, this.opts.query);
  }

  private onOpen(): void {
    this.log.debug('open');
    if (this.openTimer !== undefined) clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.state = 'open';
    const callback = this.openCallback;
    this.openCallback = undefined;
    this.emitReserved('open');
    callback?.();
  }

  private onOpenFailed(error: ClientError): void {
    this.log.debug('open failed', error.code, error.message);
    this.cleanupEngine();
    this.state = 'closed';
    const callback = this.openCallback;
    this.openCallback = undefined;
    this.emitReserved('error', error);
    if (callback) callback(error);
    else if (!this.reconnectingFlag && this.opts.reconnection) this.reconnect();
  }

  private onData(data: string | ArrayBuffer): void {
    const result = this.decoder.add(data);
    if (result === undefined) return;
    if (result instanceof ClientError) {
      // Like socket.io-client: a malformed frame ends this connection; reconnection starts a clean one.
      this.log.warn(result.message);
      this.onClose('parse error', result);
      return;
    }
    this.log.debug('packet', result.type, result.nsp);
    this.emitReserved('packet', result);
  }

  private onClose(reason: CloseReason, error: ClientError | undefined): void {
    this.log.debug('onclose', reason);
    this.cleanupEngine();
    this.backoff.reset();
    this.state = 'closed';
    this.emitReserved('close', reason, error);
    if (this.opts.reconnection && !this.skipReconnect) this.reconnect();
  }

  /** Unsubscribes from the engine and closes it, so nothing it does later reaches us. */
  private cleanupEngine(): void {
    for (const off of this.engineSubs) off();
    this.engineSubs = [];
    if (this.openTimer !== undefined) clearTimeout(this.openTimer);
    this.openTimer = undefined;
    this.decoder.reset();
    const engine = this.engine;
    this.engine = undefined;
    engine?.close();
  }

  private reconnect(): void {
    if (this.reconnectingFlag || this.skipReconnect) return;
    if (this.backoff.attempts >= this.opts.reconnectionAttempts) {
      this.log.debug('reconnect failed');
      this.backoff.reset();
      this.emitReserved('reconnect_failed');
      return;
    }
    const delay = this.backoff.duration();
    this.log.debug('reconnect in', delay, 'ms');
    this.reconnectingFlag = true;
    this.reconnectTimer = setTimeout(() => this.attemptReconnect(), delay);
  }

  private attemptReconnect(): void {
    this.reconnectTimer = undefined;
    if (this.skipReconnect) return;
    this.emitReserved('reconnect_attempt', this.backoff.attempts);
    // A listener may have closed the manager.
    if (this.skipReconnect) return;
    this.open((error) => {
      if (error) {
        this.reconnectingFlag = false;
        this.reconnect();
        this.emitReserved('reconnect_error', error);
      } else {
        const attempt = this.backoff.attempts;
        this.reconnectingFlag = false;
        this.backoff.reset();
        this.emitReserved('reconnect', attempt);
      }
    });
  }

  private subscribeLifecycle(): void {
    const source = this.opts.lifecycle;
    if (source === undefined || this.lifecycleOff !== undefined) return;
    this.lifecycleOff = source({
      foreground: () => this.onLifecycleReturn('foreground'),
      background: () => this.log.debug('app in background'),
      network: (isConnected) => {
        if (isConnected) this.onLifecycleReturn('network');
      },
    });
  }

  /**
   * The app came back or the network returned: a scheduled reconnection happens now instead of after
   * the backoff delay, and a connection whose heartbeat expired while suspended is replaced at once.
   */
  private onLifecycleReturn(why: string): void {
    if (this.skipReconnect || !this.opts.reconnection) return;
    if (this.state === 'open') {
      if (!this.engine?.hasPingExpired()) return;
      // Timers do not run while a mini-program is suspended: the watchdog may not have fired yet.
      this.log.debug(why, ': heartbeat expired while away');
      this.onClose(
        'ping timeout',
        new ClientError('PING_TIMEOUT', 'The heartbeat expired while the app was away.'),
      );
    }
    if (this.state === 'opening') return;
    let anyActive = false;
    for (const socket of this.nsps.values()) if (socket.active) anyActive = true;
    if (!anyActive && !this.reconnectingFlag) return;
    this.log.debug(why, ': reconnecting now');
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.backoff.reset();
    // Count this as attempt 1 (the delay itself is skipped), so `reconnect_attempt` numbering holds.
    this.backoff.duration();
    this.reconnectingFlag = true;
    this.attemptReconnect();
  }
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
