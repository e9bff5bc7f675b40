/**
 * @module manager — one connection to a server, shared by every namespace (Socket) on it.
 *
 * Owns reconnection (exponential backoff with jitter), multiplexing, the Socket.IO decoder and the
 * lifecycle hook. It holds at most one Engine at a time: every new attempt closes the previous
 * connection first, because WeChat allows only 5 SocketTasks per mini-program.
 */
import { Backoff } from './backoff';
import { createLogger, type DebugOption } from './debug';
import { type DefaultEventsMap, Emitter, type EventsMap } from './emitter';
import { Engine, type EngineCloseReason, notSent, type RejectCallback } from './engine';
import { ClientError } from './errors';
import { assignDefined } from './options';
import { Socket, type SocketOptions } from './socket';
import { Decoder, encodePacket, type Packet } from './socket-io-parser';
import type { LifecycleSource, Transport } from './transports/transport';
import { buildRequestPath, type ParsedUri, parseUri, type QueryValues } from './url';

/** Options of a Manager (and of `io()`). Same names and defaults as socket.io-client 4.8 where shared. */
export interface ManagerOptions {
  /**
   * How to open the WebSocket: `connectContainerTransport(...)`, `connectSocketTransport(...)` or
   * `webSocketTransport(...)`. Required: no default, so an app ships only the transport it uses.
   */
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

/** What `new Manager()` takes: any options, `transport` required. */
export type ManagerInit = Partial<ManagerOptions & SocketOptions> & Pick<ManagerOptions, 'transport'>;

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
  reconnectionAttempts: Infinity,
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
  private readonly _uri: ParsedUri;
  private readonly _nsps = new Map<string, ManagedSocket>();
  private readonly _decoder = new Decoder();
  private readonly _backoff: Backoff;
  private _state: 'closed' | 'opening' | 'open' = 'closed';
  private _reconnecting = false;
  private _skipReconnect = false;
  private _reconnectTimer: Timer | undefined;
  private _openTimer: Timer | undefined;
  private _openCallback: ((error?: ClientError) => void) | undefined;
  private _lifecycleOff: (() => void) | undefined;
  /** The app returned while an attempt was still opening: if that attempt fails, retry at once. */
  private _returnedWhileOpening = false;

  constructor(opts: ManagerInit);
  constructor(uri: string | undefined, opts: ManagerInit);
  constructor(uri?: string | ManagerInit, opts?: ManagerInit) {
    super();
    if (typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    this.opts = assignDefined(Object.assign({}, DEFAULTS) as ManagerOptions, opts);
    // Typed as required; a JavaScript caller may still forget it.
    if (!this.opts.transport) throw new ClientError('TRANSPORT_UNAVAILABLE', 'Pass a transport option');
    const parsed = parseUri(uri, this.opts.path);
    if (parsed instanceof ClientError) throw parsed;
    this._uri = parsed;
    this._log = createLogger(this.opts.debug, 'socket.io:manager');
    this._backoff = new Backoff({
      min: this.opts.reconnectionDelay,
      max: this.opts.reconnectionDelayMax,
      jitter: this.opts.randomizationFactor,
    });
    if (this.opts.autoConnect) this.open();
  }

  /** `closed`, `opening` or `open`. */
  get readyState(): 'closed' | 'opening' | 'open' {
    return this._state;
  }

  /** Whether a reconnection is scheduled or in progress. */
  get reconnecting(): boolean {
    return this._reconnecting;
  }

  /**
   * Opens the connection (no-op when opening or open). `callback` gets an error when this attempt fails.
   *
   * @example
   * manager.open((err) => { if (err) console.warn(err.code); });
   */
  open(callback?: (error?: ClientError) => void): this {
    if (this._state !== 'closed') return this;
    if (this._reconnectTimer !== undefined) {
      // An explicit open() during the backoff wait replaces the scheduled attempt.
      this._stopReconnect();
    }
    this._subscribeLifecycle();
    // Never two live connections: drop whatever is left of the previous one before opening anew.
    this._cleanupEngine();
    this._skipReconnect = false;
    this._state = 'opening';
    this._openCallback = callback;
    const path = buildRequestPath(this.opts.path, this._uri.query, this.opts.query);
    const origin = this._uri.origin;
    const engine = new Engine({
      open: () => this._attemptDone(),
      data: (data) => this._onData(data),
      ping: () => this._emitReserved('ping'),
      close: (reason, error) => {
        if (this._state === 'opening') this._attemptDone(error);
        else this._onClose(reason, error);
      },
    });
    this.engine = engine;
    const timeout = this.opts.timeout;
    if (timeout !== false) {
      this._openTimer = setTimeout(
        () => this._attemptDone(new ClientError('CONNECT_TIMEOUT', `Not open in ${timeout} ms`)),
        timeout,
      );
    }
    engine.open(this.opts.transport, { url: origin && origin + path, path });
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
    let socket = this._nsps.get(nsp);
    if (!socket) {
      socket = new Socket<L, E>(this, nsp, opts);
      this._nsps.set(nsp, socket);
    } else if (this.opts.autoConnect && !socket.active) socket.connect();
    return socket as Socket<L, E>;
  }

  /** Whether a socket exists for the namespace on this Manager. */
  hasSocket(nsp: string): boolean {
    return this._nsps.has(nsp);
  }

  /**
   * Closes the connection for good (no reconnection) and stops listening to lifecycle events.
   *
   * @example
   * manager.close();
   */
  close(): this {
    this._skipReconnect = true;
    this._stopReconnect();
    // A later open() starts a fresh cycle of `reconnectionAttempts` (socket.io-client resets on close).
    this._backoff.reset();
    if (this._lifecycleOff) this._lifecycleOff();
    this._lifecycleOff = undefined;
    // Closing on purpose is not a failed reconnection attempt: no reconnect_error for it.
    this._openCallback = undefined;
    if (this._state === 'closed') this._cleanupEngine();
    else this._onClose('forced close', undefined);
    return this;
  }

  /** Alias of `close`. */
  disconnect(): this {
    return this.close();
  }

  /**
   * @internal Encodes and sends a packet (for Socket). `onReject` gets the error when it cannot be sent
   * (PAYLOAD_TOO_LARGE, TRANSPORT_CLOSED).
   */
  _sendPacket(packet: Packet, onReject?: RejectCallback): void {
    if (this.engine) this.engine.send(encodePacket(packet), onReject);
    else if (onReject) onReject(notSent());
  }

  /** @internal Whether the connection is open and its heartbeat alive (Socket asks before sending). */
  _isWritable(): boolean {
    // Open always has an engine: every path that drops the engine also leaves `open`.
    // Past the heartbeat deadline (a suspended app's timers run late) the connection closes now, so the
    // emit asking waits in the offline buffer for the reconnection instead of behind a dead heartbeat.
    return this._state === 'open' && !(this.engine as Engine)._expire();
  }

  /** @internal A socket disconnected: close the connection when no namespace is active any more. */
  _socketDestroyed(): void {
    if (!this._anyActive()) this.close();
  }

  private _anyActive(): boolean {
    return Array.from(this._nsps.values()).some((socket) => socket.active);
  }

  private _stopReconnect(): void {
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = undefined;
    this._reconnecting = false;
  }

  /**
   * The current attempt ended: open, or failed with `error`. Its timer and `open()` callback are cleared
   * first, so an attempt ends exactly once.
   */
  private _attemptDone(error?: ClientError): void {
    clearTimeout(this._openTimer);
    const callback = this._openCallback;
    this._openCallback = undefined;
    if (error) {
      this._cleanupEngine();
      this._state = 'closed';
      this._emitReserved('error', error);
    } else {
      this._returnedWhileOpening = false;
      this._state = 'open';
      this._emitReserved('open');
    }
    if (callback) callback(error);
    else if (error) this._reconnect();
  }

  private _onData(data: string | ArrayBuffer): void {
    const result = this._decoder.add(data);
    if (result instanceof ClientError) {
      // Like socket.io-client: a malformed frame ends this connection; reconnection starts a clean one.
      this._onClose('parse error', result);
    } else if (result) this._emitReserved('packet', result);
  }

  private _onClose(reason: CloseReason, error: ClientError | undefined): void {
    this._cleanupEngine();
    this._backoff.reset();
    this._state = 'closed';
    this._emitReserved('close', reason, error);
    this._reconnect();
  }

  /** Closes the engine quietly, so nothing it does later reaches us. */
  private _cleanupEngine(): void {
    clearTimeout(this._openTimer);
    this._decoder.reset();
    if (this.engine) this.engine.close();
    this.engine = undefined;
  }

  private _reconnect(): void {
    // A listener may have opened a new connection already (`socket.connect()` in a 'disconnect' listener).
    if (!this.opts.reconnection || this._reconnecting || this._skipReconnect || this._state !== 'closed')
      return;
    if (this._backoff.attempts >= this.opts.reconnectionAttempts) {
      this._backoff.reset();
      this._emitReserved('reconnect_failed');
      return;
    }
    // The app came back while the failed attempt was opening: that return asked for "now", not a backoff.
    const now = this._returnedWhileOpening;
    this._returnedWhileOpening = false;
    if (now) this._backoff.reset();
    const delay = this._backoff.duration();
    this._reconnecting = true;
    this._reconnectTimer = setTimeout(() => this._attemptReconnect(), now ? 0 : delay);
  }

  private _attemptReconnect(): void {
    this._reconnectTimer = undefined;
    // A listener of `reconnect_attempt` may close the manager.
    if (!this._skipReconnect) this._emitReserved('reconnect_attempt', this._backoff.attempts);
    if (this._skipReconnect) return;
    this.open((error) => {
      const attempt = this._backoff.attempts;
      this._reconnecting = false;
      if (error) {
        this._reconnect();
        this._emitReserved('reconnect_error', error);
      } else {
        this._backoff.reset();
        this._emitReserved('reconnect', attempt);
      }
    });
  }

  private _subscribeLifecycle(): void {
    const source = this.opts.lifecycle;
    if (source && !this._lifecycleOff) {
      this._lifecycleOff = source({
        foreground: () => this._onLifecycleReturn(),
        background() {},
        network: (isConnected) => isConnected && this._onLifecycleReturn(),
      });
    }
  }

  /**
   * The app came back or the network returned: a scheduled reconnection happens now instead of after
   * the backoff delay, and a connection whose heartbeat expired while suspended is replaced at once.
   */
  private _onLifecycleReturn(): void {
    if (this._skipReconnect || !this.opts.reconnection) return;
    // Timers do not run while a mini-program is suspended: the watchdog may not have fired yet. An
    // expired engine closes now (and this Manager with it, as for the watchdog's own timeout).
    if (this._state === 'open' && !(this.engine as Engine)._expire()) return;
    if (this._state === 'opening') {
      this._returnedWhileOpening = true;
      return;
    }
    if (!(this._anyActive() || this._reconnecting)) return;
    clearTimeout(this._reconnectTimer);
    this._backoff.reset();
    // Count this as attempt 1 (the delay itself is skipped), so `reconnect_attempt` numbering holds.
    this._backoff.duration();
    this._reconnecting = true;
    this._attemptReconnect();
  }
}
