// @vitest-environment jsdom
/**
 * RecordButton: hold-to-talk with several fingers, and the mode switch between takes only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadComponent, mount, touch, unmountAll } from '../../test/support/mount-component';

afterEach(unmountAll);

describe('record button', () => {
  it('hold-to-talk: a second finger lifted while the first still holds does not end the take', async () => {
    const button = mount(
      loadComponent('RecordButton'),
      () => ({ phase: 'recording', mode: 'hold', disabled: false }),
      ['press', 'release', 'toggle', 'update:mode'],
    );
    const target = button.el.querySelector('[data-testid="record-button"]')!;
    touch(target, 'touchstart', 1);
    touch(target, 'touchstart', 2);
    touch(target, 'touchend', 1);
    expect(button.emitted.map((e) => e.event)).toEqual(['press']);
    touch(target, 'touchend', 0);
    expect(button.emitted.map((e) => e.event)).toEqual(['press', 'release']);
  });

  it('the mode cannot be switched during a take (the label would no longer match how it stops)', async () => {
    const button = mount(
      loadComponent('RecordButton'),
      () => ({ phase: 'recording', mode: 'toggle', disabled: false }),
      ['press', 'release', 'toggle', 'update:mode'],
    );
    // uni's `@tap` (a DOM `tap` event here, as the compiled template listens for it).
    button.el
      .querySelector('[data-testid="record-mode-hold"]')!
      .dispatchEvent(new Event('tap', { bubbles: true }));
    expect(button.emitted.map((e) => e.event)).toEqual([]);
  });
});
