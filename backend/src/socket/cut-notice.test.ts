import { describe, expect, it } from 'vitest';
import { createCutNoticeRegistry } from './cut-notice';

const NOTICE = { code: 'SERVER_RESTARTING', message: 'shutting down' } as const;

describe('cut-notice registry', () => {
  it('tells connections in a session (or starting one) once, and no other', () => {
    const cut = createCutNoticeRegistry(NOTICE);
    const told: string[] = [];
    const track = (name: string) =>
      cut.track({ name }, (payload) => told.push(`${name}:${payload.sessionId ?? '-'}`));
    const live = track('live');
    live.starting()({ ok: true, sessionId: 's1' });
    const opening = track('opening');
    opening.starting();
    const refused = track('refused');
    refused.starting()({ ok: false, error: { code: 'ENGINE_BUSY', message: 'busy' } });
    const stopped = track('stopped');
    stopped.starting()({ ok: true, sessionId: 's2' });
    stopped.stopping()();
    const flushing = track('flushing');
    flushing.starting()({ ok: true, sessionId: 's3' });
    flushing.stopping(); // not answered yet

    expect(cut.tellCut()).toBe(3);
    expect(told).toEqual(['live:s1', 'opening:-', 'flushing:s3']);
    expect(cut.tellCut()).toBe(0);
    // The session service's own notice arriving late is not sent a second time; other errors always are.
    expect(live.shouldSend(NOTICE)).toBe(false);
    expect(live.shouldSend({ code: 'NO_SESSION' })).toBe(true);
    expect(live.shouldSend({ code: 'NO_SESSION' })).toBe(true);
  });

  it('does not repeat the notice the session service already sent, and forgets closed connections', () => {
    const cut = createCutNoticeRegistry(NOTICE);
    let told = 0;
    const key = {};
    const state = cut.track(key, () => {
      told += 1;
    });
    state.starting()({ ok: true, sessionId: 's1' });
    expect(state.shouldSend(NOTICE)).toBe(true);
    expect(cut.tellCut()).toBe(0);
    const other = {};
    cut
      .track(other, () => {
        told += 1;
      })
      .starting();
    cut.forget(other);
    expect(cut.tellCut()).toBe(0);
    expect(told).toBe(0);
  });
});
