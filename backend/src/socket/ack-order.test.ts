/**
 * @module ack-order.test — an answer waits for every payload sent before it, runs after the delivery that
 * released it (not inside it), keeps its place among other answers, and is dropped once released.
 */
import { describe, expect, it, vi } from 'vitest';
import { createAckOrder } from './ack-order';

describe('createAckOrder', () => {
  it('answers at once when nothing is in flight', () => {
    const order = createAckOrder();
    const log: string[] = [];
    const payload = {};
    order.sent(payload);
    order.delivered(payload); // delivered inside the emit, as without Redis
    order.after(() => log.push('ack'));
    expect(log).toEqual(['ack']);
  });

  it('waits for the payloads sent before it, not for later ones, and answers after the delivery', async () => {
    const order = createAckOrder();
    const log: string[] = [];
    const [first, second, later] = [{}, {}, {}];
    order.sent(first);
    order.sent(second);
    order.after(() => log.push('ack 1'));
    order.sent(later);
    order.after(() => log.push('ack 2'));
    order.delivered({}); // not ours (a room broadcast): ignored
    order.delivered(first);
    order.delivered(second);
    log.push('written: second'); // the adapter writes the packet after notifying
    await Promise.resolve();
    expect(log).toEqual(['written: second', 'ack 1']);
    order.after(() => log.push('ack 3')); // still behind `later`, like ack 2
    order.delivered(later);
    await Promise.resolve();
    expect(log).toEqual(['written: second', 'ack 1', 'ack 2', 'ack 3']);
  });

  it('keeps an answer asked for meanwhile behind the answers already released', async () => {
    const order = createAckOrder();
    const log: string[] = [];
    const payload = {};
    order.sent(payload);
    order.after(() => log.push('ack 1'));
    order.delivered(payload);
    order.after(() => log.push('ack 2')); // nothing in flight, but ack 1 has not run yet
    expect(log).toEqual([]);
    await Promise.resolve();
    expect(log).toEqual(['ack 1', 'ack 2']);
  });

  it('drops waiting answers once released (the socket is gone)', async () => {
    const order = createAckOrder();
    const log: string[] = [];
    const payload = {};
    order.sent(payload);
    order.after(() => log.push('ack'));
    order.release();
    order.delivered(payload);
    order.after(() => log.push('late'));
    await Promise.resolve();
    expect(log).toEqual([]);
  });

  it('answers after maxWaitMs when a payload is never delivered (an event the adapter dropped)', async () => {
    vi.useFakeTimers();
    try {
      const order = createAckOrder({ maxWaitMs: 1_000 });
      const log: string[] = [];
      const [lost, next] = [{}, {}];
      order.sent(lost);
      order.after(() => log.push('ack 1'));
      await vi.advanceTimersByTimeAsync(500);
      order.sent(next);
      order.after(() => log.push('ack 2'));
      await vi.advanceTimersByTimeAsync(499);
      expect(log).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      // ack 1 gave up on `lost`; ack 2 still waits for `next`, which is delivered normally.
      expect(log).toEqual(['ack 1']);
      order.delivered(lost); // too late: ignored
      order.delivered(next);
      await vi.advanceTimersByTimeAsync(0);
      expect(log).toEqual(['ack 1', 'ack 2']);
    } finally {
      vi.useRealTimers();
    }
  });
});
