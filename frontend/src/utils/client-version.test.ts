import { describe, expect, it } from 'vitest';
import { alipayRecorderFrames, compareVersions, parseVersion } from './client-version';

describe('parseVersion', () => {
  it('reads dotted numbers and ignores what follows them', () => {
    expect(parseVersion('10.1.80')).toEqual([10, 1, 80]);
    expect(parseVersion('10.5.36.8100')).toEqual([10, 5, 36, 8100]);
    expect(parseVersion(' 10.1.80-beta')).toEqual([10, 1, 80]);
    expect(parseVersion('v10.2')).toEqual([10, 2]);
    expect(parseVersion('010.01.080')).toEqual([10, 1, 80]);
  });

  it('is undefined for what is not a version', () => {
    for (const value of ['', '   ', 'unknown', '.10.1', undefined, null, 10.1, {}]) {
      expect(parseVersion(value), String(value)).toBeUndefined();
    }
  });
});

describe('compareVersions', () => {
  it('compares part by part as numbers, not as strings', () => {
    expect(compareVersions([10, 1, 9], [10, 1, 80])).toBe(-1);
    expect(compareVersions([10, 10, 0], [10, 9, 99])).toBe(1);
    expect(compareVersions([10, 1, 80], [10, 1, 80])).toBe(0);
  });

  it('counts missing parts as 0', () => {
    expect(compareVersions([10, 1], [10, 1, 0])).toBe(0);
    expect(compareVersions([10, 1], [10, 1, 80])).toBe(-1);
    expect(compareVersions([10, 1, 80, 1], [10, 1, 80])).toBe(1);
  });
});

describe('alipayRecorderFrames', () => {
  it('is false for an Alipay client older than 10.1.80', () => {
    for (const version of ['10.1.78', '10.1.9', '10.0.99', '9.9.9', '10.1', '10.1.79.8000']) {
      expect(alipayRecorderFrames({ versions: [version], app: 'alipay' }), version).toBe(false);
    }
  });

  it('is true from 10.1.80 on', () => {
    for (const version of ['10.1.80', '10.1.80.0', '10.1.81', '10.1.100', '10.2.0', '10.5.36.8100', '11']) {
      expect(alipayRecorderFrames({ versions: [version], app: 'alipay' }), version).toBe(true);
    }
  });

  it('uses the first readable version (my.env.clientVersion before getSystemInfoSync().version)', () => {
    expect(alipayRecorderFrames({ versions: ['10.1.60', '10.5.90'] })).toBe(false);
    expect(alipayRecorderFrames({ versions: [undefined, '10.1.60'] })).toBe(false);
    expect(alipayRecorderFrames({ versions: ['', 'unknown', '10.1.60'] })).toBe(false);
    expect(alipayRecorderFrames({ versions: [undefined, '10.5.90'] })).toBe(true);
  });

  it('keeps live frames when no version can be read', () => {
    expect(alipayRecorderFrames({ versions: [] })).toBe(true);
    expect(alipayRecorderFrames({ versions: [undefined, null, '', 'unknown'], app: 'alipay' })).toBe(true);
  });

  it("does not judge another host's version numbers against Alipay's", () => {
    expect(alipayRecorderFrames({ versions: ['7.0.50'], app: 'dingtalk' })).toBe(true);
    expect(alipayRecorderFrames({ versions: ['7.0.50'], app: 'ALIPAY' })).toBe(false);
    expect(alipayRecorderFrames({ versions: ['7.0.50'], app: '' })).toBe(false);
  });
});
