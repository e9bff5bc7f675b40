/**
 * @module lifecycle.test — miniProgramLifecycle fans one platform listener per event out to subscribers,
 * and never leaks one platform listener per subscription, with or without the vendor's off* functions.
 */
import { describe, expect, it } from 'vitest';
import type { MiniProgramLifecycleApi, NetworkStatus } from './lifecycle';
import { miniProgramLifecycle } from './lifecycle';
import type { LifecycleListener } from './transport';

type Handler = (payload?: unknown) => void;

/** A fake `wx`/`my`/`tt` that keeps its registered handlers like the real runtime. */
function fakeApi(withOff: boolean) {
  const handlers = { show: new Set<Handler>(), hide: new Set<Handler>(), network: new Set<Handler>() };
  const api: MiniProgramLifecycleApi = {
    onAppShow: (cb) => handlers.show.add(cb),
    onAppHide: (cb) => handlers.hide.add(cb),
    onNetworkStatusChange: (cb) => handlers.network.add(cb as Handler),
    ...(withOff
      ? {
          offAppShow: (cb: Handler) => handlers.show.delete(cb),
          offAppHide: (cb: Handler) => handlers.hide.delete(cb),
          offNetworkStatusChange: (cb: (status: NetworkStatus) => void) =>
            handlers.network.delete(cb as Handler),
        }
      : {}),
  };
  const fire = (event: keyof typeof handlers, payload?: unknown) => {
    for (const handler of [...handlers[event]]) handler(payload);
  };
  return { api, handlers, fire };
}

function recorder(log: string[], name: string): LifecycleListener {
  return {
    foreground: () => log.push(`${name}:foreground`),
    background: () => log.push(`${name}:background`),
    network: (isConnected) => log.push(`${name}:network:${isConnected}`),
  };
}

describe('miniProgramLifecycle', () => {
  it('delivers show, hide and network changes to every subscriber', () => {
    const { api, fire } = fakeApi(true);
    const source = miniProgramLifecycle(api);
    const log: string[] = [];
    const offA = source(recorder(log, 'a'));
    source(recorder(log, 'b'));
    fire('hide');
    fire('network', { isConnected: false, networkType: 'none' });
    fire('network', { isConnected: true, networkType: 'wifi' });
    fire('show', { scene: 1001 });
    expect(log).toEqual([
      'a:background',
      'b:background',
      'a:network:false',
      'b:network:false',
      'a:network:true',
      'b:network:true',
      'a:foreground',
      'b:foreground',
    ]);
    log.length = 0;
    offA();
    offA(); // idempotent
    fire('show');
    expect(log).toEqual(['b:foreground']);
  });

  it('with off*: one platform listener per event, removed when the last subscriber leaves', () => {
    const { api, handlers, fire } = fakeApi(true);
    const source = miniProgramLifecycle(api);
    const log: string[] = [];
    const offs = Array.from({ length: 10 }, (_, i) => source(recorder(log, `s${i}`)));
    expect([handlers.show.size, handlers.hide.size, handlers.network.size]).toEqual([1, 1, 1]);
    for (const off of offs) off();
    expect([handlers.show.size, handlers.hide.size, handlers.network.size]).toEqual([0, 0, 0]);
    fire('show');
    expect(log).toEqual([]);
    // A second source on the same api shares the same hub.
    const offAgain = miniProgramLifecycle(api)(recorder(log, 'again'));
    miniProgramLifecycle(api)(recorder(log, 'more'));
    expect(handlers.show.size).toBe(1);
    offAgain();
  });

  it('without off* (e.g. some vendors): still one platform listener per event however often it subscribes', () => {
    const { api, handlers, fire } = fakeApi(false);
    const source = miniProgramLifecycle(api);
    const log: string[] = [];
    for (let i = 0; i < 50; i++) source(recorder(log, 'gone'))();
    expect([handlers.show.size, handlers.hide.size, handlers.network.size]).toEqual([1, 1, 1]);
    fire('show');
    fire('network', { isConnected: false });
    expect(log).toEqual([]);
    const off = source(recorder(log, 'live'));
    fire('network', { isConnected: false });
    expect(log).toEqual(['live:network:false']);
    expect(handlers.network.size).toBe(1);
    off();
  });

  it('a subscriber that unsubscribes another while being notified does not break delivery', () => {
    const { api, fire } = fakeApi(true);
    const source = miniProgramLifecycle(api);
    const log: string[] = [];
    let offB: () => void = () => undefined;
    source({
      ...recorder(log, 'a'),
      foreground: () => {
        log.push('a:foreground');
        offB();
      },
    });
    offB = source(recorder(log, 'b'));
    fire('show');
    expect(log).toEqual(['a:foreground']);
  });

  it('tolerates missing APIs, throwing registrations, odd payloads and no api at all', () => {
    const log: string[] = [];
    expect(() => miniProgramLifecycle(undefined)(recorder(log, 'x'))()).not.toThrow();
    expect(() => miniProgramLifecycle({})(recorder(log, 'x'))()).not.toThrow();
    const throwing: MiniProgramLifecycleApi = {
      onAppShow: () => {
        throw new Error('not supported');
      },
    };
    expect(() => miniProgramLifecycle(throwing)(recorder(log, 'x'))()).not.toThrow();
    const { api, fire } = fakeApi(true);
    miniProgramLifecycle(api)(recorder(log, 'y'));
    fire('network', undefined);
    expect(log).toEqual(['y:network:true']);
  });
});
