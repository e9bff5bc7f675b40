import { describe, expect, it } from 'vitest';
import { CAPACITY_CODES, createSoakRecorder, formatSoakReport } from './soak-report';

describe('soak report', () => {
  it('summarises delays, errors by kind and RSS, and passes only without errors', () => {
    const recorder = createSoakRecorder();
    for (const ms of [10, 20, 30, 40, 1000]) recorder.partialDelay(ms);
    recorder.partialDelay(-5); // a clock edge: never negative
    recorder.finalDelay(600);
    recorder.utterance();
    recorder.rss(0, 100 * 1024 * 1024);
    recorder.rss(60, 130 * 1024 * 1024);
    const clean = recorder.summary();
    expect(clean.partials).toMatchObject({ count: 6, max: 1000 });
    expect(clean.finals).toEqual({ count: 1, p50: 600, p95: 600, max: 600 });
    const lines = formatSoakReport(clean, { idle: 1000, live: 10, seconds: 60 });
    expect(lines[0]).toBe('soak: 1000 idle sockets + 10 live voice sessions for 60 s');
    expect(lines).toContain('server RSS over time: 0 s 100 MiB, 60 s 130 MiB');
    expect(lines.at(-1)).toBe(
      'CONCLUSION: PASS — 0 errors over 1 utterances; RSS +30 MiB from first to last sample.',
    );

    recorder.error('disconnect', 'transport close');
    recorder.error('disconnect', 'ping timeout');
    recorder.error('start', 'INTERNAL: boom');
    recorder.refusedByCapacity('LIMIT_SESSIONS');
    const failed = recorder.summary();
    expect(failed.errorKinds).toEqual({ disconnect: 2, start: 1 });
    expect(failed.refusedByCapacity).toBe(1);
    const report = formatSoakReport(failed, { idle: 1, live: 1, seconds: 1 });
    expect(report).toContain('errors: 3 (disconnect 2, start 1)');
    expect(report).toContain('  start: INTERNAL: boom');
    expect(report.at(-1)).toMatch(/^CONCLUSION: FAIL — 3 errors/);
  });

  it('fails a run without any utterance, and treats only capacity codes as refusals', () => {
    const empty = createSoakRecorder().summary();
    expect(formatSoakReport(empty, { idle: 0, live: 0, seconds: 1 }).at(-1)).toMatch(/^CONCLUSION: FAIL/);
    expect(empty.partials.p50).toBeNaN();
    expect(CAPACITY_CODES.has('ENGINE_BUSY')).toBe(true);
    expect(CAPACITY_CODES.has('INTERNAL')).toBe(false);
  });
});
