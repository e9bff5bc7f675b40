/**
 * @module ack-order — keeps a socket's acknowledgements behind the events emitted to it before them.
 *
 * With connection state recovery on, `socket.emit` goes through the adapter's `broadcast` (to give the
 * packet its recovery offset). The in-memory adapter writes it at once; the Redis Streams adapter writes
 * it only after Redis stored it (`XADD`, one round trip), while an ack is written to the transport at
 * once — so `stop`'s ack would overtake the `result`s it returns. Socket.IO reports each packet as the
 * adapter writes it to the socket (`onAnyOutgoing`, just before `writeToEngine`); an ack waits until
 * every event emitted before it has been reported, then goes out on a later microtask (after that write).
 * Without Redis nothing waits: every emit is reported before `socket.emit` returns.
 *
 * The wait is bounded (`maxWaitMs`): the Redis Streams adapter drops an event whose append failed (Redis
 * gone), and `stop`'s ack, which carries the records itself, must not be held hostage by it.
 */

export interface AckOrder {
  /** Call just before emitting `payload` (an object emitted once) to this socket. */
  sent(payload: object): void;
  /** Call from `socket.onAnyOutgoing` with the event's first argument. */
  delivered(payload: unknown): void;
  /** Runs `answer` once every payload `sent` before this call was delivered (at once if none waits). */
  after(answer: () => void): void;
  /** The socket is gone: nothing more will be delivered; answers still waiting are dropped. */
  release(): void;
}

/**
 * @example
 * const order = createAckOrder();
 * socket.onAnyOutgoing((_event, payload) => order.delivered(payload));
 * order.sent(payload);
 * socket.emit('result', payload);
 * order.after(() => ack(response));
 */
export function createAckOrder(options: { readonly maxWaitMs?: number } = {}): AckOrder {
  const maxWaitMs = options.maxWaitMs ?? 2_000;
  let count = 0;
  /** Payloads emitted and not yet delivered, with their sequence number; insertion order = emit order. */
  const inFlight = new Map<object, number>();
  /** Answers waiting, each for every payload up to its sequence number. */
  let waiting: { upTo: number; answer: () => void; timer: ReturnType<typeof setTimeout> }[] = [];
  /** Answers released and queued as a microtask, not yet run: a later answer must not overtake them. */
  let queued = 0;
  let released = false;

  const oldestInFlight = (): number => {
    for (const seq of inFlight.values()) return seq;
    return Number.POSITIVE_INFINITY;
  };
  /** Releases, in order, the answers waiting for payloads up to `upTo` or older. */
  const releaseUpTo = (upTo: number) => {
    const ready = waiting.filter((entry) => entry.upTo <= upTo);
    if (ready.length === 0) return;
    waiting = waiting.filter((entry) => entry.upTo > upTo);
    for (const entry of ready) clearTimeout(entry.timer);
    later(ready.map((entry) => entry.answer));
  };
  /** An answer waited `maxWaitMs`: the payloads before it are given up on (a late delivery is ignored). */
  const expire = (upTo: number) => {
    for (const [payload, seq] of inFlight) if (seq <= upTo) inFlight.delete(payload);
    releaseUpTo(upTo);
  };
  const later = (answers: (() => void)[]) => {
    queued += answers.length;
    queueMicrotask(() => {
      queued -= answers.length;
      if (released) return;
      for (const answer of answers) answer();
    });
  };

  return {
    sent(payload) {
      if (released) return;
      count += 1;
      inFlight.set(payload, count);
    },
    delivered(payload) {
      if (typeof payload !== 'object' || payload === null || !inFlight.delete(payload)) return;
      // Called from inside the adapter's broadcast, before it writes the packet: answers run after that.
      releaseUpTo(oldestInFlight() - 1);
    },
    after(answer) {
      if (released) return;
      if (inFlight.size > 0) {
        const upTo = count;
        waiting.push({ upTo, answer, timer: setTimeout(() => expire(upTo), maxWaitMs) });
      } else if (queued > 0) later([answer]);
      else answer();
    },
    release() {
      released = true;
      inFlight.clear();
      for (const entry of waiting) clearTimeout(entry.timer);
      waiting = [];
    },
  };
}
