import { describe, expect, it, vi } from 'vitest';
import { Emitter, type EventParams, subscribe } from './emitter';

interface Events {
  ping: (n: number) => void;
  text: (a: string, b: string) => void;
}

class TestEmitter extends Emitter<{}, {}, Events> {
  fire<K extends keyof Events & string>(ev: K, ...args: EventParams<Events, K>): void {
    this._emitReserved(ev, ...args);
  }
}

describe('Emitter', () => {
  it('calls listeners in order with their arguments; off removes one or all', () => {
    const e = new TestEmitter();
    const calls: string[] = [];
    const a = (n: number) => calls.push(`a${n}`);
    const b = (n: number) => calls.push(`b${n}`);
    e.on('ping', a).on('ping', b);
    e.fire('ping', 1);
    e.off('ping', a);
    e.fire('ping', 2);
    e.off('ping');
    e.fire('ping', 3);
    expect(calls).toEqual(['a1', 'b1', 'b2']);
    expect(e.hasListeners('ping')).toBe(false);
  });

  it('once fires once and can be removed by the original function', () => {
    const e = new TestEmitter();
    const fn = vi.fn();
    e.once('text', fn);
    e.fire('text', 'x', 'y');
    e.fire('text', 'x', 'y');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('x', 'y');
    const gone = vi.fn();
    e.once('ping', gone);
    expect(e.listeners('ping')).toEqual([gone]);
    e.off('ping', gone);
    e.fire('ping', 1);
    expect(gone).not.toHaveBeenCalled();
  });

  it('a listener removing itself or another during emit does not skip anyone', () => {
    const e = new TestEmitter();
    const calls: string[] = [];
    const b = () => calls.push('b');
    const a = () => {
      calls.push('a');
      e.off('ping', a);
      e.off('ping', b);
    };
    e.on('ping', a).on('ping', b);
    e.fire('ping', 0);
    e.fire('ping', 0);
    expect(calls).toEqual(['a', 'b']);
  });

  it('subscribe returns the function that unsubscribes', () => {
    const e = new TestEmitter();
    const fn = vi.fn();
    const off = subscribe(e, 'ping', fn);
    e.fire('ping', 1);
    off();
    e.fire('ping', 2);
    expect(fn).toHaveBeenCalledTimes(1);
    e.off();
  });
});
