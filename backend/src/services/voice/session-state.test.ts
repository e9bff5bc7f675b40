import { describe, expect, it } from 'vitest';
import { isLive, type SessionEvent, type SessionState, startingState, transition } from './session-state';

type S = SessionState<string>;
const chunk = new Uint8Array([1, 2]);
const run = (state: S, ...events: SessionEvent<string>[]): S => events.reduce(transition, state);

describe('session state machine', () => {
  it('starting buffers audio, then runs once opened, then ends through ending', () => {
    let state = run(startingState<string>(), { type: 'audio', chunk }, { type: 'audio', chunk });
    expect(state).toEqual({ phase: 'starting', pending: [chunk, chunk] });
    state = transition(state, { type: 'opened', run: 'r1' });
    expect(state).toEqual({ phase: 'running', run: 'r1' });
    state = transition(state, { type: 'end', reason: 'stop' });
    expect(state).toEqual({ phase: 'ending', reason: 'stop' });
    expect(isLive(state)).toBe(true); // a flushing session still holds its place
    state = transition(state, { type: 'flushed' });
    expect(state).toEqual({ phase: 'ended', reason: 'stop' });
    expect(isLive(state)).toBe(false);
  });

  it('a session that could not open is ended at once', () => {
    expect(transition(startingState<string>(), { type: 'open-failed' })).toEqual({
      phase: 'ended',
      reason: 'open-failed',
    });
  });

  it('a client leaving while the engine opens ends it; the late run does not revive it', () => {
    const ending = run(startingState<string>(), { type: 'end', reason: 'disconnect' });
    expect(ending).toEqual({ phase: 'ending', reason: 'disconnect' });
    expect(transition(ending, { type: 'opened', run: 'late' })).toBe(ending);
    expect(transition(ending, { type: 'open-failed' })).toBe(ending);
  });

  it('ignores what does not apply: audio after the end, a second end, flushed before the end', () => {
    const running: S = { phase: 'running', run: 'r' };
    expect(transition(running, { type: 'audio', chunk })).toBe(running);
    expect(transition(running, { type: 'flushed' })).toBe(running);
    expect(transition(running, { type: 'opened', run: 'other' })).toBe(running);
    const ending = transition(running, { type: 'end', reason: 'limit' });
    expect(transition(ending, { type: 'end', reason: 'stop' })).toBe(ending);
    expect(transition(ending, { type: 'audio', chunk })).toBe(ending);
    const ended = transition(ending, { type: 'flushed' });
    for (const event of [
      { type: 'audio', chunk },
      { type: 'end', reason: 'stop' },
      { type: 'flushed' },
      { type: 'opened', run: 'x' },
    ] as const) {
      expect(transition(ended, event)).toBe(ended);
    }
    expect(transition(startingState<string>(), { type: 'flushed' }).phase).toBe('starting');
  });
});
