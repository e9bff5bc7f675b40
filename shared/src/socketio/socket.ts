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
import { type Packet, PacketType } from './socket-io-parser';

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
/** What the ack callback of an event receives first (the resolved value of `emitWithAck`). */
export type AckResult<P> = P extends [...unknown[], (res: infer R, ...rest: never[]) => unknown]
  ? R
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
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

interface AckEntry {
  readonly fn: Callable;
  readonly withError: boolean;
  timer?: Timer;
}

interface BufferedPacket {
  readonly packet: Packet;
  readonly event: string;
}

interface QueuedPacket {
  readonly args: unknown[];
  readonly flags: Flags;
  tryCount: number;
  pending: boolean;
}

/** Ack callbacks that take an error first (emitWithAck, retries); the rest are only called on success. */
const ERROR_FIRST = new WeakSet<object>();

/** Our own reserved names: a server event with one of these names is not passed to `on` listeners. */
const LOCAL_RESERVED = [
  'connect',
  'connect_error',
  'disconnect',
  'emit_error',
  'newListener',
  'removeListener',
];

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
  private readonly opts: { ackTimeout: number | undefined; retries: number; maxBufferedPackets: number };
  private readonly log: Logger;
  private receiveBuffer: unknown[][] = [];
  private sendBuffer: BufferedPacket[] = [];
  private readonly queue: QueuedPacket[] = [];
  private readonly acks = new Map<number, AckEntry>();
  private ids = 0;
  /** Incremented when a connection ends: an ack reply belongs to the connection its event came on. */
  private session = 0;
  private flags: Flags = {};
  private subs: Array<() => void> | undefined;
  private pid: string | undefined;
  private lastOffset: string | undefined;
  private anyListeners: Callable[] = [];
  private anyOutgoingListeners: Callable[] = [];

  constructor(io: Manager, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.auth = opts?.auth ?? (io.opts as Partial<SocketOptions>).auth;
    const fromManager = io.opts as Partial<SocketOptions>;
    this.opts = {
      ackTimeout: opts?.ackTimeout ?? fromManager.ackTimeout,
      retries: opts?.retries ?? fromManager.retries ?? 0,
      maxBufferedPackets: opts?.maxBufferedPackets ?? io.opts.maxBufferedPackets,
    };
    this.log = createChildLogger(io, nsp);
    if (io.opts.autoConnect) this.open();
  }

  /** Not connected to the namespace. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket wants to be connected (it reconnects by itself while active). */
  get active(): boolean {
    return this.subs !== undefined;
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
    this.subscribeManager();
    if (!this.io.reconnecting) this.io.open();
    if (!wasActive && this.io.readyState === 'open') this.onOpen();
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
    if (wasConnected) this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp });
    this.destroy();
    if (wasConnected) this.onClose('io client disconnect', undefined);
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
    if (LOCAL_RESERVED.indexOf(ev) !== -1) throw new Error(`"${ev}" is a reserved event name`);
    const flags = this.flags;
    this.flags = {};
    const all: unknown[] = [ev, ...args];
    if (this.opts.retries > 0 && !flags.fromQueue && !flags.volatile) {
      this.addToQueue(all, flags);
      return this;
    }
    let id: number | undefined;
    const last = all[all.length - 1];
    if (typeof last === 'function') {
      all.pop();
      id = this.ids++;
      this.registerAck(id, last as Callable, flags);
    }
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp, id, data: all };
    const writable = this.connected && this.io.isWritable();
    if (flags.volatile && !writable) {
      this.log.debug('volatile packet dropped', ev);
      // A dropped volatile emit never gets an ack; only a timeout (if set) will end its wait.
      if (id !== undefined && this.acks.get(id)?.timer === undefined) this.acks.delete(id);
    } else if (writable) {
      this.notifyOutgoing(all);
      this.packet(packet, (error) => this.rejectEmit(error, ev, id));
    } else if (this.sendBuffer.length >= this.opts.maxBufferedPackets) {
      this.rejectEmit(
        new ClientError(
          'BUFFER_FULL',
          `The offline buffer already holds ${this.opts.maxBufferedPackets} packets; "${ev}" was not queued.`,
          { event: ev },
        ),
        ev,
        id,
      );
    } else {
      this.sendBuffer.push({ packet, event: ev });
    }
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
      ERROR_FIRST.add(fn);
      (this.emit as (ev: string, ...args: unknown[]) => this)(ev, ...(args as unknown[]), fn);
    });
  }

  /**
   * Sets an ack timeout for the next emit; its callback then takes an error first (ACK_TIMEOUT).
   *
   * @example
   * socket.timeout(5000).emit('stop', (err, res) => {});
   */
  timeout(ms: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.flags.timeout = ms;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /**
   * The next emit is dropped unless connected right now (for data that is useless later).
   *
   * @example
   * socket.volatile.emit('level', 0.3);
   */
  get volatile(): this {
    this.flags.volatile = true;
    return this;
  }

  /**
   * Sends a `message` event (WebSocket-like API).
   *
   * @example
   * socket.send('hello');
   */
  send(...args: unknown[]): this {
    return (this.emit as (ev: string, ...args: unknown[]) => this)('message', ...args);
  }

  /**
   * Listens to every incoming event: `(event, ...args)`.
   *
   * @example
   * socket.onAny((event, ...args) => log(event));
   */
  onAny(listener: AnyListener): this {
    this.anyListeners.push(listener);
    return this;
  }

  /** Like `onAny`, called before the others. */
  prependAny(listener: AnyListener): this {
    this.anyListeners.unshift(listener);
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this.anyListeners = listener === undefined ? [] : this.anyListeners.filter((l) => l !== listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return this.anyListeners.slice();
  }

  /**
   * Listens to every outgoing event as it is sent: `(event, ...args)`.
   *
   * @example
   * socket.onAnyOutgoing((event) => log('sent', event));
   */
  onAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoingListeners.push(listener);
    return this;
  }

  /** Like `onAnyOutgoing`, called before the others. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoingListeners.unshift(listener);
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoingListeners =
      listener === undefined ? [] : this.anyOutgoingListeners.filter((l) => l !== listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return this.anyOutgoingListeners.slice();
  }

  private subscribeManager(): void {
    if (this.subs) return;
    const io = this.io;
    this.subs = [
      subscribe(io, 'open', () => this.onOpen()),
      subscribe(io, 'packet', (packet) => this.onPacket(packet)),
      subscribe(io, 'error', (error) => {
        if (!this.connected) this.emitReserved('connect_error', error);
      }),
      subscribe(io, 'close', (reason, error) => this.onClose(reason, error)),
    ];
  }

  private packet(packet: Packet, onReject?: (error: ClientError) => void): void {
    this.io.sendPacket(packet, onReject);
  }

  private onOpen(): void {
    this.log.debug('transport open, connecting to the namespace');
    const auth = this.auth;
    if (typeof auth === 'function') {
      try {
        auth((data) => {
          if (this.active && this.io.readyState === 'open' && !this.connected) this.sendConnect(data);
        });
      } catch (e) {
        this.emitReserved('connect_error', new ClientError('CONNECT_REFUSED', 'The auth function threw.', e));
      }
    } else this.sendConnect(auth);
  }

  private sendConnect(data: Readonly<Record<string, unknown>> | undefined): void {
    const payload = this.pid === undefined ? data : { pid: this.pid, offset: this.lastOffset, ...data };
    this.packet({ type: PacketType.CONNECT, nsp: this.nsp, data: payload }, (error) =>
      this.emitReserved('connect_error', error),
    );
  }

  private onPacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case PacketType.CONNECT: {
        const data = packet.data as Record<string, unknown> | undefined;
        if (data && typeof data.sid === 'string') {
          this.onConnect(data.sid, typeof data.pid === 'string' ? data.pid : undefined);
        } else {
          this.emitReserved(
            'connect_error',
            new ClientError(
              'CONNECT_REFUSED',
              'The server answered CONNECT without a session id (not a Socket.IO v4 server?).',
            ),
          );
        }
        return;
      }
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onEvent(packet);
        return;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onAck(packet);
        return;
      case PacketType.DISCONNECT:
        this.destroy();
        this.onClose('io server disconnect', undefined);
        return;
      case PacketType.CONNECT_ERROR: {
        this.destroy();
        const data = packet.data;
        const message =
          typeof data === 'string'
            ? data
            : String((data as Record<string, unknown>).message ?? 'The server refused the connection.');
        const extra =
          typeof data === 'object' && data !== null ? (data as Record<string, unknown>).data : undefined;
        this.emitReserved('connect_error', new ClientError('CONNECT_REFUSED', message, extra));
        return;
      }
    }
  }

  private onEvent(packet: Packet): void {
    const args = (packet.data as unknown[]).slice();
    if (packet.id !== undefined) args.push(this.ackReply(packet.id));
    if (this.connected) this.emitEvent(args);
    else this.receiveBuffer.push(args);
  }

  private emitEvent(args: unknown[]): void {
    // Recovery: the server appends an offset string as the last argument of recoverable events.
    if (this.pid !== undefined && typeof args[args.length - 1] === 'string') {
      this.lastOffset = args[args.length - 1] as string;
    }
    for (const listener of this.anyListeners.slice()) listener.apply(this, args);
    const ev = String(args[0]);
    if (LOCAL_RESERVED.indexOf(ev) !== -1) {
      this.log.warn(`the server sent an event named "${ev}", which is reserved; only onAny listeners got it`);
      return;
    }
    this.emitUntyped(ev, args.slice(1));
  }

  /** The function handed to listeners of an event that wants an ack; answers at most once. */
  private ackReply(id: number): Callable {
    let sent = false;
    const session = this.session;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      if (!this.connected || this.session !== session) {
        // The server's ack ids restart with each connection: a late reply could answer the wrong event.
        const error = new ClientError(
          'DISCONNECTED',
          'The ack reply was not sent: the connection it answers is gone.',
        );
        this.emitReserved('emit_error', error, undefined);
        return;
      }
      this.packet({ type: PacketType.ACK, nsp: this.nsp, id, data: args }, (error) =>
        this.emitReserved('emit_error', error, undefined),
      );
    };
  }

  private onAck(packet: Packet): void {
    const id = packet.id as number;
    const entry = this.acks.get(id);
    if (entry === undefined) {
      this.log.debug('ack for an unknown or expired id', id);
      return;
    }
    this.acks.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    const data = packet.data as unknown[];
    if (entry.withError) entry.fn.call(this, null, ...data);
    else entry.fn.apply(this, data);
  }

  private onConnect(id: string, pid: string | undefined): void {
    this.log.debug('connected', id, pid ? `pid ${pid}` : '');
    this.id = id;
    this.recovered = pid !== undefined && this.pid === pid;
    // A new session starts without an offset: the old one would not exist in it.
    if (pid !== this.pid) this.lastOffset = undefined;
    this.pid = pid;
    this.connected = true;
    for (const args of this.receiveBuffer.splice(0)) this.emitEvent(args);
    for (const { packet, event } of this.sendBuffer.splice(0)) {
      this.notifyOutgoing(packet.data as unknown[]);
      this.packet(packet, (error) => this.rejectEmit(error, event, packet.id));
    }
    this.drainQueue(true);
    this.emitReserved('connect');
  }

  private onClose(reason: DisconnectReason, details: ClientError | undefined): void {
    const wasConnected = this.connected;
    this.connected = false;
    this.id = undefined;
    this.session++;
    if (wasConnected) {
      this.log.debug('disconnect', reason);
      this.emitReserved('disconnect', reason, details);
    }
    this.clearAcks(reason);
  }

  /** Stops following the Manager; the Manager closes the connection if no namespace is active. */
  private destroy(): void {
    if (this.subs === undefined) return;
    for (const off of this.subs) off();
    this.subs = undefined;
    this.io.socketDestroyed();
  }

  /** Acks that can never come (their packet was sent on a dead connection) end with DISCONNECTED. */
  private clearAcks(reason: DisconnectReason): void {
    for (const [id, entry] of Array.from(this.acks)) {
      if (this.sendBuffer.some((b) => b.packet.id === id)) continue;
      this.acks.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      // Like socket.io-client, plain callbacks are only ever called with the server's answer.
      if (entry.withError) {
        entry.fn.call(
          this,
          new ClientError('DISCONNECTED', `The socket disconnected (${reason}) before the ack arrived.`),
        );
      }
    }
  }

  private registerAck(id: number, fn: Callable, flags: Flags): void {
    const timeout = flags.timeout ?? this.opts.ackTimeout;
    const entry: AckEntry = { fn, withError: timeout !== undefined || ERROR_FIRST.has(fn) };
    if (timeout !== undefined) {
      entry.timer = setTimeout(() => {
        this.acks.delete(id);
        this.sendBuffer = this.sendBuffer.filter((b) => b.packet.id !== id);
        fn.call(this, new ClientError('ACK_TIMEOUT', `No acknowledgement within ${timeout} ms.`));
      }, timeout);
    }
    this.acks.set(id, entry);
  }

  /** An emit was not delivered: its error-first ack gets the error, and `emit_error` always fires. */
  private rejectEmit(error: ClientError, event: string, id: number | undefined): void {
    this.log.warn(error.message);
    const entry = id === undefined ? undefined : this.acks.get(id);
    if (entry !== undefined && id !== undefined) {
      this.acks.delete(id);
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if (entry.withError) entry.fn.call(this, error);
    }
    this.emitReserved('emit_error', error, event);
  }

  private notifyOutgoing(args: readonly unknown[]): void {
    for (const listener of this.anyOutgoingListeners.slice()) listener.apply(this, args as unknown[]);
  }

  /** `retries`: queue the emit; one packet in flight at a time, resent until acked or out of tries. */
  private addToQueue(args: unknown[], flags: Flags): void {
    const event = String(args[0]);
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (args.pop() as Callable) : undefined;
    if (this.queue.length >= this.opts.maxBufferedPackets) {
      const error = new ClientError(
        'BUFFER_FULL',
        `The retry queue already holds ${this.opts.maxBufferedPackets} packets; "${event}" was not queued.`,
        { event },
      );
      this.log.warn(error.message);
      ack?.call(this, error);
      this.emitReserved('emit_error', error, event);
      return;
    }
    const queued: QueuedPacket = { args, flags: { ...flags, fromQueue: true }, tryCount: 0, pending: false };
    const onResult = (error: unknown, ...response: unknown[]) => {
      if (queued !== this.queue[0]) return;
      if (error) {
        const permanent =
          error instanceof ClientError &&
          (error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'BUFFER_FULL');
        if (permanent || queued.tryCount > this.opts.retries) {
          this.queue.shift();
          ack?.call(this, error);
        }
      } else {
        this.queue.shift();
        ack?.call(this, null, ...response);
      }
      queued.pending = false;
      this.drainQueue();
    };
    ERROR_FIRST.add(onResult);
    args.push(onResult);
    this.queue.push(queued);
    this.drainQueue();
  }

  private drainQueue(force = false): void {
    if (!this.connected || this.queue.length === 0) return;
    const queued = this.queue[0] as QueuedPacket;
    if (queued.pending && !force) return;
    queued.pending = true;
    queued.tryCount++;
    this.flags = queued.flags;
    (this.emit as (...args: unknown[]) => this)(...queued.args);
  }
}

function createChildLogger(io: Manager, nsp: string): Logger {
  return createLogger(io.opts.debug, `socket.io:socket${nsp}`);
}
