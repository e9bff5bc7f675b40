/**
 * @module socket — one namespace on a Manager's connection: events, acks, buffering and recovery.
 *
 * Mirrors socket.io-client 4.8's `Socket`. Two additions: the offline buffer is bounded
 * (`maxBufferedPackets`) and every emit that cannot be delivered is reported — to its error-first ack
 * when it has one, and always through the reserved `emit_error` event — instead of being lost silently.
 */
import { createLogger, type Logger } from './debug';
import {
  type AnyListener,
  type DefaultEventsMap,
  Emitter,
  type EventNames,
  type EventParams,
  type EventsMap,
  subscribe,
} from './emitter';
import { ClientError } from './errors';
import type { CloseReason, Manager } from './manager';
import { assignDefined } from './options';
import { type Packet, PacketKind, RESERVED_EVENTS } from './socket-io-parser';

/** The `auth` option: an object, or a function that hands the object over (called on every connect). */
export type AuthOption =
  | Readonly<Record<string, unknown>>
  | ((callback: (data: Readonly<Record<string, unknown>>) => void) => void);

/** Options of a Socket (one namespace). */
export interface SocketOptions {
  /** Sent with every namespace CONNECT. */
  auth: AuthOption | undefined;
  /** Default ack timeout in ms for every emit with an ack (as `timeout(ms)`); also used by `retries`. */
  ackTimeout: number | undefined;
  /** Resend an unacknowledged emit up to this many times (at-least-once delivery). Default 0. */
  retries: number;
  /** Overrides the Manager's `maxBufferedPackets` for this socket. */
  maxBufferedPackets: number | undefined;
}

/** Why a socket disconnected. */
export type DisconnectReason = 'io server disconnect' | 'io client disconnect' | CloseReason;

/** Events only the Socket emits. */
export interface SocketReservedEvents {
  /** Connected to the namespace (also after each reconnection). */
  connect: () => void;
  /** The connection or the namespace CONNECT failed; `code` CONNECT_REFUSED carries the server's message. */
  connect_error: (error: ClientError) => void;
  /** Disconnected; `details` says why in a form people can act on. */
  disconnect: (reason: DisconnectReason, details: ClientError | undefined) => void;
  /**
   * An emit (or ack reply) was not delivered: PAYLOAD_TOO_LARGE, BUFFER_FULL, TRANSPORT_CLOSED.
   * `event` is the event name, undefined for ack replies.
   */
  emit_error: (error: ClientError, event: string | undefined) => void;
}

/** The arguments of an event without its trailing ack callback. */
export type WithoutAck<P> = P extends [...infer H, (...args: infer _A) => unknown] ? H : P;
type AckArgs<P> = P extends [...unknown[], (...args: infer A) => unknown] ? A : [];
/** True only for exactly `ClientError | null`: the error slot `timeout(ms)` adds in front of an ack. */
type IsAckError<T> = [T] extends [ClientError | null]
  ? [ClientError | null] extends [T]
    ? true
    : false
  : false;
/**
 * What the ack callback of an event receives first — the resolved value of `emitWithAck`. The error slot
 * that `timeout(ms)` prepends is skipped, so `socket.timeout(ms).emitWithAck(...)` resolves to the answer.
 */
export type AckResult<P> =
  AckArgs<P> extends [infer First, ...infer Rest]
    ? IsAckError<First> extends true
      ? Rest extends [infer Answer, ...unknown[]]
        ? Answer
        : undefined
      : First
    : unknown;
type WithErrorAck<P> = P extends [...infer H, (...args: infer A) => unknown]
  ? [...H, (error: ClientError | null, ...args: A) => void]
  : P;
/** An events map whose ack callbacks take an error first (what `timeout(ms)` gives). */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: WithErrorAck<P>) => R : E[K];
};

type Callable = (...args: unknown[]) => void;
type Timer = ReturnType<typeof setTimeout>;

interface Flags {
  _volatile?: boolean;
  _timeout?: number;
  _fromQueue?: boolean;
  /** The ack callback takes an error first (emitWithAck, retries); others only get the server's answer. */
  _errorFirst?: boolean;
}

interface AckEntry {
  readonly _fn: Callable;
  readonly _withError: boolean;
  _timer?: Timer;
}

/** A `retries` emit: its own flags (reused for every try) plus its arguments and state. */
interface QueuedPacket extends Flags {
  readonly _args: unknown[];
  _tryCount: number;
  _pending?: boolean;
}

/** Our own reserved names: never emitted to the server, and a server event so named reaches only onAny. */
const LOCAL_RESERVED = [...RESERVED_EVENTS, 'emit_error'];

/**
 * One namespace. Create with `io()` or `manager.socket()`.
 *
 * @example
 * const socket = io('https://example.com/realtime-voice', { transport: webSocketTransport() });
 * socket.on('connect', () => socket.emit('start', { sampleRate: 16000 }, (res) => {}));
 */
export class Socket<
  ListenEvents extends EventsMap<ListenEvents> = DefaultEventsMap,
  EmitEvents extends EventsMap<EmitEvents> = DefaultEventsMap,
> extends Emitter<ListenEvents, EmitEvents, SocketReservedEvents> {
  /** The Manager (connection) this socket runs on. */
  readonly io: Manager;
  /** The namespace, e.g. `/realtime-voice`. */
  readonly nsp: string;
  /** Session id given by the server while connected. */
  id: string | undefined;
  /** Connected to the namespace. */
  connected = false;
  /** Whether the last connection restored the previous session (connection state recovery). */
  recovered = false;
  /** Sent with each CONNECT; may be changed between connections. */
  auth: AuthOption | undefined;
  private readonly _opts: SocketOptions & { maxBufferedPackets: number };
  private _receiveBuffer: unknown[][] = [];
  private _sendBuffer: Packet[] = [];
  private readonly _queue: QueuedPacket[] = [];
  private readonly _acks = new Map<number, AckEntry>();
  private _ids = 0;
  /**
   * Moves on when a connection ends and when its CONNECT goes out: an ack reply belongs to the connection
   * its event came on, and an `auth` callback to the CONNECT it was asked for.
   */
  private _session = 0;
  private _flags: Flags = {};
  private _subs: Array<() => void> | undefined;
  private _pid: string | undefined;
  private _offset: string | undefined;
  private _anyIn: Callable[] = [];
  private _anyOut: Callable[] = [];

  constructor(io: Manager, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.nsp = nsp;
    // Only this socket's own options (as in socket.io-client): the Manager's options hold what the first
    // `io()` call was given, and that namespace's `auth` must never be sent to another namespace.
    this._opts = assignDefined(
      { retries: 0, maxBufferedPackets: io.opts.maxBufferedPackets } as SocketOptions & {
        maxBufferedPackets: number;
      },
      opts,
    );
    this.auth = this._opts.auth;
    this._log = createLogger(io.opts.debug, `socket.io:socket${nsp}`);
    if (io.opts.autoConnect) this.open();
  }

  /** Not connected to the namespace. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket wants to be connected (it reconnects by itself while active). */
  get active(): boolean {
    return !!this._subs;
  }

  /**
   * Connects (no-op when connected). Opens the Manager's connection if needed.
   *
   * @example
   * const socket = io(url, { autoConnect: false, transport });
   * socket.connect();
   */
  connect(): this {
    if (this.connected) return this;
    // Already active means a CONNECT is on its way (or will be sent on `open`): do not send another.
    const wasActive = this.active;
    const io = this.io;
    this._subs = this._subs || [
      subscribe(io, 'open', () => this._onOpen()),
      subscribe(io, 'packet', (packet) => this._onPacket(packet)),
      subscribe(io, 'error', (error) => this.connected || this._emitReserved('connect_error', error)),
      subscribe(io, 'close', (reason, error) => this._onClose(reason, error)),
    ];
    if (!io.reconnecting) io.open();
    if (!wasActive && io.readyState === 'open') this._onOpen();
    return this;
  }

  /** Alias of `connect`. */
  open(): this {
    return this.connect();
  }

  /**
   * Disconnects from the namespace for good (no reconnection); closes the Manager's connection when it
   * was the last active namespace.
   *
   * @example
   * socket.disconnect();
   */
  disconnect(): this {
    const wasConnected = this.connected;
    if (wasConnected) this._packet({ type: PacketKind.DISCONNECT, nsp: this.nsp });
    this._destroy();
    if (wasConnected) this._onClose('io client disconnect', undefined);
    return this;
  }

  /** Alias of `disconnect`. */
  close(): this {
    return this.disconnect();
  }

  /**
   * Emits an event to the server. A trailing function is the ack callback. While disconnected the event
   * is buffered (bounded by `maxBufferedPackets`; overflow ⇒ BUFFER_FULL, see `emit_error`).
   *
   * @example
   * socket.emit('stop', (res) => console.log(res));
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    // Flags belong to this emit only, also when it throws.
    const flags = this._flags;
    this._flags = {};
    if (LOCAL_RESERVED.includes(ev)) throw new Error(`"${ev}" is reserved`);
    const all: unknown[] = [ev, ...args];
    if (this._opts.retries > 0 && !flags._fromQueue && !flags._volatile) {
      this._addToQueue(all, flags);
      return this;
    }
    // Asked first: an expired heartbeat closes the connection now, before this emit's ack is registered.
    const writable = this.connected && this.io._isWritable();
    let id: number | undefined;
    const ack = popAck(all);
    if (ack) {
      id = this._ids++;
      this._registerAck(id, ack, flags);
    }
    const packet: Packet = { type: PacketKind.EVENT, nsp: this.nsp, id, data: all };
    if (writable) this._sendEvent(packet);
    else if (flags._volatile) {
      // A dropped volatile emit never gets an ack: an error-first one (emitWithAck) learns it at once.
      this._dropAck(id, disconnected());
    } else if (this._sendBuffer.length < this._opts.maxBufferedPackets) this._sendBuffer.push(packet);
    else this._rejectEmit(this._bufferFull(ev), packet);
    return this;
  }

  /**
   * Emits and resolves with the server's ack; rejects with a ClientError (ACK_TIMEOUT, DISCONNECTED,
   * BUFFER_FULL, PAYLOAD_TOO_LARGE).
   *
   * @example
   * const res = await socket.timeout(5000).emitWithAck('start', { sampleRate: 16000 });
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: WithoutAck<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EventParams<EmitEvents, Ev>>> {
    return new Promise((resolve, reject) => {
      const fn = (error: unknown, response: unknown) =>
        error ? reject(error) : resolve(response as AckResult<EventParams<EmitEvents, Ev>>);
      this._flags._errorFirst = true;
      this._emit(ev, ...(args as unknown[]), fn);
    });
  }

  /**
   * Sets an ack timeout for the next emit; its callback then takes an error first (ACK_TIMEOUT).
   *
   * @example
   * socket.timeout(5000).emit('stop', (err, res) => {});
   */
  timeout(ms: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this._flags._timeout = ms;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /**
   * The next emit is dropped unless connected right now (for data that is useless later).
   *
   * @example
   * socket.volatile.emit('level', 0.3);
   */
  get volatile(): this {
    this._flags._volatile = true;
    return this;
  }

  /**
   * Sends a `message` event (WebSocket-like API).
   *
   * @example
   * socket.send('hello');
   */
  send(...args: unknown[]): this {
    return this._emit('message', ...args);
  }

  /**
   * Listens to every incoming event: `(event, ...args)`.
   *
   * @example
   * socket.onAny((event, ...args) => log(event));
   */
  onAny(listener: AnyListener): this {
    this._anyIn.push(listener);
    return this;
  }

  /** Like `onAny`, called before the others. */
  prependAny(listener: AnyListener): this {
    this._anyIn.unshift(listener);
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this._anyIn = without(this._anyIn, listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return this._anyIn.slice();
  }

  /**
   * Listens to every outgoing event as it is sent: `(event, ...args)`.
   *
   * @example
   * socket.onAnyOutgoing((event) => log('sent', event));
   */
  onAnyOutgoing(listener: AnyListener): this {
    this._anyOut.push(listener);
    return this;
  }

  /** Like `onAnyOutgoing`, called before the others. */
  prependAnyOutgoing(listener: AnyListener): this {
    this._anyOut.unshift(listener);
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this._anyOut = without(this._anyOut, listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return this._anyOut.slice();
  }

  /** `emit` without the event map's types (for calls whose arguments are built at run time). */
  private _emit(...args: unknown[]): this {
    return (this.emit as (...args: unknown[]) => this)(...args);
  }

  private _packet(packet: Packet, onReject?: (error: ClientError) => void): void {
    this.io._sendPacket(packet, onReject);
  }

  /** Sends an EVENT now, after telling the outgoing catch-all listeners. */
  private _sendEvent(packet: Packet): void {
    callAll(this._anyOut, packet.data as unknown[], this);
    this._packet(packet, (error) => this._rejectEmit(error, packet));
  }

  /** Sends the namespace CONNECT, with the `auth` data (an `auth` function hands it over, maybe later). */
  private _onOpen(): void {
    const auth = this.auth;
    // This connection's one CONNECT: an `auth` callback from an earlier connection, or a second call of
    // this one, finds the session moved on and sends nothing.
    const session = ++this._session;
    // A CONNECT that cannot be made ends this socket's wish to connect, as a server refusal does, so that
    // `connect()` tries again.
    const refuse = (error: ClientError) => {
      this._destroy();
      this._emitReserved('connect_error', error);
    };
    const send = (data: Readonly<Record<string, unknown>> | undefined) => {
      // Recovery: the session to restore, and the offset of the last event received in it.
      const payload =
        this._pid === undefined ? data : Object.assign({ pid: this._pid, offset: this._offset }, data);
      this._packet({ type: PacketKind.CONNECT, nsp: this.nsp, data: payload }, refuse);
    };
    try {
      if (typeof auth !== 'function') send(auth);
      else {
        auth((data) => {
          if (this.active && session === this._session) {
            this._session++;
            send(data);
          }
        });
      }
    } catch (e) {
      refuse(new ClientError('CONNECT_REFUSED', 'auth failed', e));
    }
  }

  private _onPacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    const { type, id } = packet;
    const data = packet.data as Record<string, unknown> & unknown[];
    if (type === PacketKind.CONNECT) {
      if (data && typeof data.sid === 'string') {
        const pid = typeof data.pid === 'string' ? data.pid : undefined;
        this.id = data.sid;
        this.recovered = pid !== undefined && this._pid === pid;
        // A new session starts without an offset: the old one would not exist in it.
        if (pid !== this._pid) this._offset = undefined;
        this._pid = pid;
        this.connected = true;
        for (const args of this._receiveBuffer.splice(0)) this._emitEvent(args);
        for (const packet of this._sendBuffer.splice(0)) this._sendEvent(packet);
        this._drainQueue(true);
        this._emitReserved('connect');
      } else this._emitReserved('connect_error', new ClientError('CONNECT_REFUSED', 'No sid'));
    } else if (type === PacketKind.EVENT || type === PacketKind.BINARY_EVENT) {
      const args = data.slice();
      if (id !== undefined) args.push(this._ackReply(id));
      if (this.connected) this._emitEvent(args);
      else this._receiveBuffer.push(args);
    } else if (type === PacketKind.ACK || type === PacketKind.BINARY_ACK) {
      const entry = this._takeAck(id as number);
      // An ack for an unknown or expired id is ignored.
      if (entry) entry._fn.apply(this, entry._withError ? [null, ...data] : data);
    } else {
      // DISCONNECT or CONNECT_ERROR: the server ended this namespace; no reconnection for it.
      this._destroy();
      if (type === PacketKind.DISCONNECT) this._onClose('io server disconnect', undefined);
      else {
        const message = typeof data === 'string' ? data : String(data.message || 'Server refused');
        // Object(): a legacy string payload has no `data`.
        this._emitReserved('connect_error', new ClientError('CONNECT_REFUSED', message, Object(data).data));
      }
    }
  }

  private _emitEvent(args: unknown[]): void {
    // Recovery: the server appends an offset string as the last argument of recoverable events.
    const last = args[args.length - 1];
    if (this._pid !== undefined && typeof last === 'string') this._offset = last;
    callAll(this._anyIn, args, this);
    const ev = String(args[0]);
    if (LOCAL_RESERVED.includes(ev)) (this._log as Logger).warn(`Reserved event ${ev}: onAny only`);
    else this._emitUntyped(ev, args.slice(1));
  }

  /** The function handed to listeners of an event that wants an ack; answers at most once. */
  private _ackReply(id: number): Callable {
    let sent = false;
    const session = this._session;
    const onReject = (error: ClientError) => this._emitReserved('emit_error', error, undefined);
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      // The server's ack ids restart with each connection: a late reply could answer the wrong event.
      if (this.connected && this._session === session) {
        this._packet({ type: PacketKind.ACK, nsp: this.nsp, id, data: args }, onReject);
      } else onReject(disconnected());
    };
  }

  /** Removes a pending ack (and its timer) and returns it. */
  private _takeAck(id: number | undefined): AckEntry | undefined {
    // No id (an emit without ack) finds nothing, like an unknown or expired one.
    const entry = this._acks.get(id as number);
    if (entry) {
      this._acks.delete(id as number);
      clearTimeout(entry._timer);
    }
    return entry;
  }

  private _onClose(reason: DisconnectReason, details: ClientError | undefined): void {
    const wasConnected = this.connected;
    this.connected = false;
    this.id = undefined;
    this._session++;
    if (wasConnected) this._emitReserved('disconnect', reason, details);
    // Acks that can never come (their packet was sent on a dead connection) end with DISCONNECTED;
    // like socket.io-client, plain callbacks are only ever called with the server's answer.
    // A snapshot: callbacks may emit again, and their new acks belong to the next connection.
    for (const [id] of Array.from(this._acks)) {
      // Still in the offline buffer: it will be sent on the next connection, its ack may still come.
      if (!this._sendBuffer.some((packet) => packet.id === id)) this._dropAck(id, disconnected());
    }
  }

  /** Stops following the Manager; the Manager closes the connection if no namespace is active. */
  private _destroy(): void {
    if (!this._subs) return;
    for (const off of this._subs) off();
    this._subs = undefined;
    this.io._socketDestroyed();
  }

  private _registerAck(id: number, fn: Callable, flags: Flags): void {
    const timeout = flags._timeout === undefined ? this._opts.ackTimeout : flags._timeout;
    const entry: AckEntry = { _fn: fn, _withError: timeout !== undefined || !!flags._errorFirst };
    if (timeout !== undefined) {
      entry._timer = setTimeout(() => {
        this._acks.delete(id);
        this._sendBuffer = this._sendBuffer.filter((packet) => packet.id !== id);
        fn.call(this, new ClientError('ACK_TIMEOUT', `No ack in ${timeout} ms`));
      }, timeout);
    }
    this._acks.set(id, entry);
  }

  /** An emit was not delivered: its error-first ack gets the error, and `emit_error` always fires. */
  private _rejectEmit(error: ClientError, packet: Packet): void {
    this._dropAck(packet.id, error);
    this._emitReserved('emit_error', error, (packet.data as unknown[])[0] as string);
  }

  /**
   * Removes a pending ack that can no longer be answered; an error-first one gets `error` (like
   * socket.io-client, a plain callback is only ever called with the server's answer).
   */
  private _dropAck(id: number | undefined, error: ClientError): void {
    const entry = this._takeAck(id);
    // biome-ignore lint/complexity/useOptionalChain: es2017 output lowers `?.` into a longer test (size budget)
    if (entry && entry._withError) entry._fn.call(this, error);
  }

  /** `retries`: queue the emit; one packet in flight at a time, resent until acked or out of tries. */
  private _addToQueue(args: unknown[], flags: Flags): void {
    const event = args[0] as string;
    const ack = popAck(args);
    if (this._queue.length >= this._opts.maxBufferedPackets) {
      const error = this._bufferFull(event);
      if (ack) ack.call(this, error);
      this._emitReserved('emit_error', error, event);
      return;
    }
    // `flags` is this emit's own object (emit() already replaced this._flags): it can become the entry.
    const queued: QueuedPacket = Object.assign(flags, {
      _args: args,
      _tryCount: 0,
      _fromQueue: true,
      _errorFirst: true,
    });
    const onResult = (error: unknown, ...response: unknown[]) => {
      if (queued !== this._queue[0]) return;
      const code = error && (error as ClientError).code;
      if (
        !error ||
        code === 'PAYLOAD_TOO_LARGE' ||
        code === 'BUFFER_FULL' ||
        queued._tryCount > this._opts.retries
      ) {
        this._queue.shift();
        if (ack) ack.call(this, error || null, ...response);
      }
      queued._pending = false;
      this._drainQueue();
    };
    args.push(onResult);
    this._queue.push(queued);
    this._drainQueue();
  }

  /** The offline buffer (or the `retries` queue) holds `maxBufferedPackets`: `event` was not queued. */
  private _bufferFull(event: string): ClientError {
    return new ClientError('BUFFER_FULL', `Buffer full (${this._opts.maxBufferedPackets})`, { event });
  }

  private _drainQueue(force = false): void {
    const queued = this._queue[0];
    if (!this.connected || !queued || (queued._pending && !force)) return;
    queued._pending = true;
    queued._tryCount++;
    this._flags = queued;
    this._emit(...queued._args);
  }
}

/** The connection an ack belonged to is gone: the ack can neither arrive nor be sent. */
const disconnected = (): ClientError => new ClientError('DISCONNECTED', 'Disconnected before the ack');

/** Removes and returns a trailing ack callback from an emit's arguments. */
function popAck(args: unknown[]): Callable | undefined {
  return typeof args[args.length - 1] === 'function' ? (args.pop() as Callable) : undefined;
}

function without(list: Callable[], listener: Callable | undefined): Callable[] {
  return listener ? list.filter((l) => l !== listener) : [];
}

function callAll(list: readonly Callable[], args: readonly unknown[], self: unknown): void {
  for (const listener of list.slice()) listener.apply(self, args as unknown[]);
}
