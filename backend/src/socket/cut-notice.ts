/**
 * @module cut-notice — which connections a shutdown would cut mid-session, so that a shutdown whose flush
 * overran `SHUTDOWN_TIMEOUT_SECONDS` can still tell their clients why (`SERVER_RESTARTING`) before closing
 * the transports. Normally the session service sends that notice after the flush; when the flush never
 * ends, nothing would.
 *
 * A connection is "in a session" from a `start` it sent until that `start` was refused or the connection's
 * `stop` was answered — so a `start` still opening its engine and a `stop` still flushing count. Each
 * connection is told at most once (`noticed` marks the session service's own notice).
 */
import type { ErrorCode } from '@realtime-voice/shared/voice';

export interface CutNotice {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface CutNoticeState {
  /** A `start` arrived; call the returned function with its ack once answered. */
  starting(): (ack: unknown) => void;
  /** A `stop` arrived; call the returned function once answered. */
  stopping(): () => void;
  /** A `session-error` is about to be emitted: false when it repeats the notice the client already got. */
  shouldSend(payload: { readonly code: string }): boolean;
}

export interface CutNoticeRegistry {
  /** Tracks one connection; `tell` emits a `session-error` to it (in ack order). `forget` when it closes. */
  track(key: object, tell: (payload: CutNotice & { sessionId?: string }) => void): CutNoticeState;
  forget(key: object): void;
  /** Tells every connection still in a session, and not told yet, the notice. Returns how many were told. */
  tellCut(): number;
}

interface Tracked {
  starts: number;
  sessionId: string | undefined;
  told: boolean;
  readonly tell: (payload: CutNotice & { sessionId?: string }) => void;
}

/**
 * @example
 * const cut = createCutNoticeRegistry(SHUTDOWN_NOTICE);
 * const state = cut.track(socket, (payload) => socket.emit('session-error', payload));
 * // when the shutdown's flush overran:
 * cut.tellCut();
 */
export function createCutNoticeRegistry(notice: CutNotice): CutNoticeRegistry {
  const tracked = new Map<object, Tracked>();
  return {
    track(key, tell) {
      const entry: Tracked = { starts: 0, sessionId: undefined, told: false, tell };
      tracked.set(key, entry);
      return {
        starting() {
          entry.starts += 1;
          return (ack) => {
            entry.starts -= 1;
            const accepted = ack as { ok?: unknown; sessionId?: unknown } | undefined;
            if (accepted?.ok === true && typeof accepted.sessionId === 'string')
              entry.sessionId = accepted.sessionId;
          };
        },
        stopping() {
          return () => {
            entry.sessionId = undefined;
          };
        },
        shouldSend(payload) {
          if (payload.code !== notice.code) return true;
          if (entry.told) return false;
          // The session service's own notice after a flush: an overrun must not repeat it.
          entry.told = true;
          return true;
        },
      };
    },
    forget(key) {
      tracked.delete(key);
    },
    tellCut() {
      let told = 0;
      for (const entry of tracked.values()) {
        if (entry.told || (entry.starts === 0 && entry.sessionId === undefined)) continue;
        entry.told = true;
        entry.tell(entry.sessionId === undefined ? { ...notice } : { sessionId: entry.sessionId, ...notice });
        told += 1;
      }
      return told;
    },
  };
}
