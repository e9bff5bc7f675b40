/**
 * @module client-version — mini-program client version strings, and whether an Alipay client's recorder
 * gives frames.
 *
 * Alipay's recorder streams frames (`frameSize` + `onFrameRecorded`) only from client 10.1.80. That is a
 * client version, not a base library one, and `my.canIUse` has no documented key for a RecorderManager's
 * methods or `start` options, so the check is the documented version comparison: the client version from
 * `my.env.clientVersion` or `my.getSystemInfoSync().version`, compared part by part as numbers (Alipay's
 * "兼容" page: `major.minor.patch`, never compared as strings).
 */

/** The first Alipay client whose recorder gives mp3 frames. */
export const ALIPAY_RECORDER_FRAMES_SINCE = '10.1.80';

/**
 * The numeric parts of a version string: `'10.1.80'` → `[10, 1, 80]`. Leading spaces and anything after
 * the dotted numbers are ignored (`'10.5.36.8100'`, `'10.1.80-beta'`); undefined when it does not start
 * with a number (`''`, `'unknown'`, not a string).
 */
export function parseVersion(value: unknown): number[] | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*v?(\d+(?:\.\d+)*)/i.exec(value);
  return match ? match[1]!.split('.').map(Number) : undefined;
}

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b`; missing parts count as 0 (`10.1` = `10.1.0`). */
export function compareVersions(a: readonly number[], b: readonly number[]): -1 | 0 | 1 {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** What the Alipay platform reads from `my` to decide. */
export interface AlipayClientInfo {
  /** Candidates for the client version, first readable one wins (`my.env.clientVersion`, `getSystemInfoSync().version`). */
  readonly versions: readonly unknown[];
  /** `getSystemInfoSync().app`: the host (`alipay`; other hosts number their versions their own way). */
  readonly app?: unknown;
}

/**
 * Whether the client's recorder gives frames. False only for an Alipay client that reports a version
 * older than 10.1.80; a host that is not Alipay, or a client whose version cannot be read, keeps live
 * frames (nothing says it lacks them, and every current client has them).
 *
 * @example
 * alipayRecorderFrames({ versions: ['10.1.78'], app: 'alipay' }); // false: record, then upload
 */
export function alipayRecorderFrames(info: AlipayClientInfo): boolean {
  if (typeof info.app === 'string' && info.app !== '' && info.app.toLowerCase() !== 'alipay') return true;
  for (const candidate of info.versions) {
    const version = parseVersion(candidate);
    if (version) return compareVersions(version, parseVersion(ALIPAY_RECORDER_FRAMES_SINCE)!) >= 0;
  }
  return true;
}
