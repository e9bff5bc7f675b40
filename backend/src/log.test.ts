import { describe, expect, it } from 'vitest';
import { createLogger } from './log';

describe('logger', () => {
  it('writes one JSON object per line, filtered by level, with bound fields and errors serialized', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    log.debug('hidden');
    log.child({ socketId: 's1' }).info('voice.connect', { userId: 'u' });
    log.error('boom', { error: Object.assign(new Error('bad\nthing'), { code: 'E_BAD' }), big: 10n });
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
    const [connect, boom] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(connect).toMatchObject({ level: 'info', event: 'voice.connect', socketId: 's1', userId: 'u' });
    expect(boom).toMatchObject({
      level: 'error',
      event: 'boom',
      big: '10',
      error: { message: 'bad\nthing', code: 'E_BAD' },
    });
    expect(Date.parse(String(connect?.time))).not.toBeNaN();
  });

  it('is silent at level silent', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'silent', write: (line) => lines.push(line) });
    log.error('nothing');
    expect(lines).toEqual([]);
  });
});
