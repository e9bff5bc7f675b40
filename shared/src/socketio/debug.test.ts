import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './debug';

describe('createLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is silent by default: nothing reaches the console', () => {
    const spies = (['log', 'debug', 'warn', 'info', 'error'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
    const log = createLogger(undefined, 'x');
    log.debug('a');
    log.warn('b');
    createLogger(false, 'x').warn('d');
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('writes namespaced lines to console.debug / console.warn when enabled, never console.log', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const logger = createLogger(true, 'socket.io');
    logger.debug('open', 1);
    logger.warn('late');
    expect(debug).toHaveBeenCalledWith('socket.io', 'open', 1);
    expect(warn).toHaveBeenCalledWith('socket.io', 'late');
    expect(log).not.toHaveBeenCalled();
  });

  it('sends to a custom sink', () => {
    const lines: unknown[][] = [];
    const logger = createLogger((...args) => lines.push(args), 'ns');
    logger.debug('hi');
    logger.warn('careful');
    expect(lines).toEqual([
      ['ns debug', 'hi'],
      ['ns warn', 'careful'],
    ]);
  });
});
