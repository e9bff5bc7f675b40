/**
 * @module session-state — the life of one voice session as a state machine, kept apart from its side
 * effects (engines, timers, storage) so every transition is in one table and testable on its own.
 *
 *   starting ──opened──▶ running ──end──▶ ending ──flushed──▶ ended
 *      │                                    ▲
 *      ├──────────────end───────────────────┘   (the client left or a limit hit while the engine opened)
 *      └──open-failed──▶ ended
 *
 * A session is live — it holds its admission slot and counts against its connection and user — in every
 * state but `ended`: one still flushing its last utterance (`ending`) is as costly as a running one.
 */

export type EndReason = 'stop' | 'limit' | 'failure' | 'disconnect';

export type SessionState<Run> =
  /** The engine stream is being created; audio is buffered. */
  | { readonly phase: 'starting'; readonly pending: readonly Uint8Array[] }
  /** Audio goes to the run. */
  | { readonly phase: 'running'; readonly run: Run }
  /** No more audio; the last utterance is being flushed and stored. */
  | { readonly phase: 'ending'; readonly reason: EndReason }
  /** Everything is stored (or the session never started): its place is free. */
  | { readonly phase: 'ended'; readonly reason: EndReason | 'open-failed' };

export type SessionEvent<Run> =
  | { readonly type: 'audio'; readonly chunk: Uint8Array }
  | { readonly type: 'opened'; readonly run: Run }
  | { readonly type: 'open-failed' }
  | { readonly type: 'end'; readonly reason: EndReason }
  | { readonly type: 'flushed' };

export type SessionPhase = SessionState<unknown>['phase'];

/** The state a session starts in. */
export function startingState<Run>(): SessionState<Run> {
  return { phase: 'starting', pending: [] };
}

/**
 * The next state. Events that do not apply in a state leave it unchanged (the same object), so the caller
 * can tell "ignored" from a transition: audio after the end, a second `end`, `opened` once ending (the
 * run is then finished by the ending), `flushed` before `end`.
 */
export function transition<Run>(state: SessionState<Run>, event: SessionEvent<Run>): SessionState<Run> {
  switch (state.phase) {
    case 'starting':
      if (event.type === 'audio') return { phase: 'starting', pending: [...state.pending, event.chunk] };
      if (event.type === 'opened') return { phase: 'running', run: event.run };
      if (event.type === 'open-failed') return { phase: 'ended', reason: 'open-failed' };
      if (event.type === 'end') return { phase: 'ending', reason: event.reason };
      return state;
    case 'running':
      if (event.type === 'end') return { phase: 'ending', reason: event.reason };
      return state;
    case 'ending':
      if (event.type === 'flushed') return { phase: 'ended', reason: state.reason };
      return state;
    case 'ended':
      return state;
  }
}

/** Whether a session in this state holds its place (counts against its connection, user and server). */
export function isLive(state: SessionState<unknown>): boolean {
  return state.phase !== 'ended';
}
