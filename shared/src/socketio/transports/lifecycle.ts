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

type EventName = 'show' | 'hide' | 'network';

interface Hub {
  readonly listeners: Set<LifecycleListener>;
  /** Platform listeners currently registered, per event. */
  readonly registered: Map<EventName, (payload?: unknown) => void>;
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
    let hub = hubs.get(api);
    if (!hub) {
      hub = { listeners: new Set(), registered: new Map() };
      hubs.set(api, hub);
    }
    const current = hub;
    current.listeners.add(listener);
    register(api, current, 'show');
    register(api, current, 'hide');
    register(api, current, 'network');
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        unregister(api, current, 'show');
        unregister(api, current, 'hide');
        unregister(api, current, 'network');
      }
    };
  };
}

function register(api: MiniProgramLifecycleApi, hub: Hub, event: EventName): void {
  if (hub.registered.has(event)) return;
  // Iterate over a copy: a listener may unsubscribe (or subscribe) while being notified.
  const each = (call: (listener: LifecycleListener) => void) => () => {
    for (const listener of [...hub.listeners]) {
      if (hub.listeners.has(listener)) call(listener);
    }
  };
  try {
    if (event === 'show' && typeof api.onAppShow === 'function') {
      const handler = each((l) => l.foreground());
      api.onAppShow(handler);
      hub.registered.set(event, handler);
    } else if (event === 'hide' && typeof api.onAppHide === 'function') {
      const handler = each((l) => l.background());
      api.onAppHide(handler);
      hub.registered.set(event, handler);
    } else if (event === 'network' && typeof api.onNetworkStatusChange === 'function') {
      const handler = (status?: unknown): void => {
        const isConnected = isNetworkStatus(status) ? status.isConnected : true;
        each((l) => l.network(isConnected))();
      };
      api.onNetworkStatusChange(handler);
      hub.registered.set(event, handler);
    }
  } catch {
    // A vendor without the API (or one that throws on registration) simply gives no events of that kind.
  }
}

function unregister(api: MiniProgramLifecycleApi, hub: Hub, event: EventName): void {
  const handler = hub.registered.get(event);
  if (!handler) return;
  const off =
    event === 'show' ? api.offAppShow : event === 'hide' ? api.offAppHide : api.offNetworkStatusChange;
  // Without off*, keep the (now idle) platform listener registered and remembered, so a later subscriber
  // reuses it instead of stacking a second one.
  if (typeof off !== 'function') return;
  try {
    off.call(api, handler);
    hub.registered.delete(event);
  } catch {
    // Leave it registered and remembered: still one listener per API object.
  }
}

function isNetworkStatus(value: unknown): value is NetworkStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isConnected?: unknown }).isConnected === 'boolean'
  );
}
