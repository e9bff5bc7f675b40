/**
 * @module lifecycle — foreground/background and network events from a mini-program API object.
 *
 * `wx`, `uni`, `tt`, `qq`, `swan` and `my` all name these `onAppShow`/`onAppHide`/`onNetworkStatusChange`,
 * but not every vendor (or base library) has the matching `off*` functions. Leak-free strategy: each API
 * object gets ONE platform listener per event, registered lazily and shared by every subscriber through a
 * Set. Unsubscribing removes the subscriber from the Set; when the Set empties and the vendor has the `off*`
 * function, the platform listener is removed too. Without `off*`, the single platform listener stays (it
 * cannot be removed) but holds nothing: the memory kept is constant, not one closure per connection or
 * reconnect, and no event reaches an unsubscribed listener.
 */
import type { LifecycleListener, LifecycleSource } from './transport';

/** The network-change payload every vendor sends. */
export interface NetworkStatus {
  readonly isConnected: boolean;
  readonly networkType?: string;
}

/** The subset of `wx` / `uni` / `my` / `tt` this module uses; every member is optional. */
export interface MiniProgramLifecycleApi {
  onAppShow?(callback: (options?: unknown) => void): void;
  offAppShow?(callback: (options?: unknown) => void): void;
  onAppHide?(callback: (options?: unknown) => void): void;
  offAppHide?(callback: (options?: unknown) => void): void;
  onNetworkStatusChange?(callback: (status: NetworkStatus) => void): void;
  offNetworkStatusChange?(callback: (status: NetworkStatus) => void): void;
}

type Handler = (payload?: unknown) => void;

/** Per event: how to subscribe, how to unsubscribe, and what a subscriber is told. */
const EVENTS: ReadonlyArray<
  readonly [
    keyof MiniProgramLifecycleApi,
    keyof MiniProgramLifecycleApi,
    (l: LifecycleListener, payload: unknown) => void,
  ]
> = [
  ['onAppShow', 'offAppShow', (l) => l.foreground()],
  ['onAppHide', 'offAppHide', (l) => l.background()],
  // A payload without a boolean isConnected counts as connected.
  [
    'onNetworkStatusChange',
    'offNetworkStatusChange',
    (l, status) => l.network((Object(status) as Partial<NetworkStatus>).isConnected !== false),
  ],
];

interface Hub {
  readonly _listeners: Set<LifecycleListener>;
  /** The platform listener registered per event (index in EVENTS), if any. */
  readonly _handlers: Array<Handler | undefined>;
}

/** One hub per API object, so several Managers on one `wx` share the same platform listeners. */
const hubs = new WeakMap<object, Hub>();

/**
 * A LifecycleSource for `ManagerOptions.lifecycle`, fed by a mini-program API object.
 *
 * @example
 * const socket = io(url, { transport, lifecycle: miniProgramLifecycle(wx) });
 */
export function miniProgramLifecycle(api: MiniProgramLifecycleApi | null | undefined): LifecycleSource {
  return (listener) => {
    if (typeof api !== 'object' || api === null) return () => undefined;
    const hub: Hub = hubs.get(api) || { _listeners: new Set(), _handlers: [] };
    hubs.set(api, hub);
    const { _listeners: listeners, _handlers: handlers } = hub;
    listeners.add(listener);
    EVENTS.forEach(([on, , notify], i) => {
      if (handlers[i]) return;
      const handler: Handler = (payload) => {
        // Iterate over a copy: a listener may unsubscribe (or subscribe) while being notified.
        for (const l of [...listeners]) if (listeners.has(l)) notify(l, payload);
      };
      // A vendor without the API (or one that throws on registration) simply gives no events of that kind.
      try {
        const register = api[on] as ((handler: Handler) => void) | undefined;
        if (typeof register === 'function') {
          register.call(api, handler);
          handlers[i] = handler;
        }
      } catch {}
    });
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      listeners.delete(listener);
      if (listeners.size > 0) return;
      EVENTS.forEach(([, off], i) => {
        const unregister = api[off] as ((handler: Handler) => void) | undefined;
        // Without off* (or when it throws), keep the idle platform listener registered and remembered, so a
        // later subscriber reuses it instead of stacking a second one.
        try {
          const handler = handlers[i];
          if (handler && typeof unregister === 'function') {
            unregister.call(api, handler);
            handlers[i] = undefined;
          }
        } catch {}
      });
    };
  };
}
