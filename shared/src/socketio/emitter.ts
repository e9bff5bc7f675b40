/**
 * @module emitter — a small typed event emitter, shaped like socket.io's `Emitter`.
 *
 * `ListenEvents` are what users listen to, `EmitEvents` what they emit, `ReservedEvents` what only the
 * class itself may emit (`connect`, `disconnect`, ...). No Node `EventEmitter`: mini-programs have none.
 */

/** A listener type that accepts listeners with any parameter types (method bivariance), without `any`. */
export type AnyListener = { bivarianceHack(...args: unknown[]): void }['bivarianceHack'];

/**
 * The constraint of an event map: every key maps to a function type.
 *
 * @example
 * interface ServerToClient { partial: (text: string) => void }
 * const socket: Socket<ServerToClient> = io('/realtime-voice', { transport });
 */
export type EventsMap<T> = { [K in keyof T]: (...args: never[]) => void };

/** The event map used when none is given: any event name, any arguments. */
export interface DefaultEventsMap {
  [event: string]: AnyListener;
}

/** The string event names of a map. */
export type EventNames<M> = keyof M & string;

/** The parameters of event `E` in map `M`. */
export type EventParams<M, E extends keyof M> = M[E] extends (...args: infer P) => unknown ? P : never;

/** Names one may listen to: user events plus reserved ones. */
export type ReservedOrUserEventNames<R, L> = EventNames<R> | EventNames<L>;

/** The listener type of `Ev`, looked up in the reserved map first. */
export type ReservedOrUserListener<R, L, Ev extends string> =
  Ev extends EventNames<R> ? R[Ev] : Ev extends EventNames<L> ? L[Ev] : never;

import type { Logger } from './debug';

/** A listener as stored: the user's function, or a `once` wrapper that knows the user's function. */
type Callable = ((...args: unknown[]) => void) & { _fn?: unknown };

/**
 * Typed event emitter. Subclasses emit reserved events with `_emitReserved` and user events with
 * `_emitUntyped` (data decoded from the wire, whose types the compiler cannot know).
 *
 * @example
 * class Thing extends Emitter<{}, {}, { ready: () => void }> {}
 * new Thing().on('ready', () => {});
 */
export class Emitter<ListenEvents, _EmitEvents, ReservedEvents> {
  private readonly _listeners = new Map<string, Callable[]>();
  /** Where reserved events are traced when the `debug` option is on: one trace point for the whole client. */
  protected _log: Logger | undefined;

  /**
   * Adds a listener.
   *
   * @example
   * socket.on('connect', () => {});
   */
  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const list = this._listeners.get(ev);
    if (list) list.push(listener as Callable);
    else this._listeners.set(ev, [listener as Callable]);
    return this;
  }

  /**
   * Adds a listener called at most once.
   *
   * @example
   * socket.once('connect', () => {});
   */
  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const wrapper: Callable = (...args) => {
      // The wrapper itself: `off(ev, listener)` would take an earlier `on(ev, listener)` instead.
      this.off(ev, wrapper as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>);
      (listener as Callable).apply(this, args);
    };
    // `off(ev, listener)` and `listeners(ev)` see the user's function, not the wrapper.
    wrapper._fn = listener;
    return this.on(ev, wrapper as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>);
  }

  /**
   * Removes one listener, every listener of an event, or every listener.
   *
   * @example
   * socket.off('partial', onPartial);
   */
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const list = this._listeners.get(ev as string);
    if (ev === undefined) this._listeners.clear();
    else if (listener === undefined || !list) this._listeners.delete(ev);
    else {
      const index = list.findIndex((l) => l === listener || l._fn === listener);
      if (index !== -1) list.splice(index, 1);
      // An event's list is removed as soon as it is empty (hasListeners relies on it).
      if (!list.length) this._listeners.delete(ev);
    }
    return this;
  }

  /** Alias of `off`, for socket.io-client compatibility. */
  removeListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.off(ev, listener);
  }

  /** Alias of `off()` with no listener, for socket.io-client compatibility. */
  removeAllListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev?: Ev): this {
    return this.off(ev);
  }

  /**
   * The listeners of an event.
   *
   * @example
   * socket.listeners('partial').length;
   */
  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
  ): Array<ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>> {
    return (this._listeners.get(ev) || []).map(
      (l) => (l._fn || l) as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
    );
  }

  /**
   * Whether an event has listeners.
   *
   * @example
   * if (!socket.hasListeners('connect_error')) warn();
   */
  hasListeners(ev: ReservedOrUserEventNames<ReservedEvents, ListenEvents>): boolean {
    return this._listeners.has(ev);
  }

  /** Emits a reserved event (only the class itself does this). */
  protected _emitReserved<Ev extends EventNames<ReservedEvents>>(
    ev: Ev,
    ...args: EventParams<ReservedEvents, Ev>
  ): void {
    if (this._log) this._log.debug(ev, ...args);
    this._emitUntyped(ev, args);
  }

  /** Calls the listeners of `ev` with `args`; a copy of the list, so listeners may remove themselves. */
  protected _emitUntyped(ev: string, args: readonly unknown[]): void {
    for (const listener of (this._listeners.get(ev) || []).slice()) listener.apply(this, args as unknown[]);
  }
}

/**
 * Subscribes and returns the function that unsubscribes: objects keep a list of these and call them all
 * when they are destroyed, so nothing dangles.
 *
 * @example
 * const subs = [subscribe(manager, 'open', onOpen)];
 * subs.forEach((off) => off());
 */
export function subscribe<L, E, R, Ev extends ReservedOrUserEventNames<R, L>>(
  obj: Emitter<L, E, R>,
  ev: Ev,
  fn: ReservedOrUserListener<R, L, Ev>,
): () => void {
  obj.on(ev, fn);
  return () => {
    obj.off(ev, fn);
  };
}
