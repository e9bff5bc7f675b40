/**
 * The offline stand-in for `npm audit` (its endpoint is unreachable from the machines this project is built
 * on): every copy in `package-lock.json` of a package that faces the network or checks identity must
 * resolve at or above the release that fixed each advisory listed here. A failure names the copy, the
 * advisory and the version to reach.
 *
 * Where the entries come from (looked up 2026-12-08 with the project's search tool; no registry audit):
 * - osv.dev records (GitHub Advisory Database imports) for GHSA-677m-j7p3-52f9, GHSA-2m8v-j782-fhvr,
 *   GHSA-3h5v-q93c-6h6q, GHSA-25hc-qcg6-38wj, CVE-2026-22817 / CVE-2026-22818 (hono JWT);
 * - the socket.io-parser 4.2.6 release notes and socketio/socket.io issue #5489 (CVE-2026-33151 = the limit
 *   of 10 attachments); the engine.io security policy page and 6.4.2 / 6.2.1 changelogs;
 * - CVE records via tenable.com / mend.io / advisories.gitlab.com for CVE-2026-44459, CVE-2026-84364,
 *   CVE-2024-32652, CVE-2026-73565, CVE-2022-41940;
 * - pull requests that bumped a package for an advisory, where no advisory text was found here:
 *   engine.io 6.6.7 for CVE-2026-59725 (e.g. moothz/ravena-ai#23), ws 8.20.1 for GHSA-58qx-3vcg-4xpx
 *   (ably/ably-js#2225), ws 8.21.0 for CVE-2026-48779 (ctrliq/ascender#479), hono 4.13.0 for
 *   CVE-2026-69207 (sourcebot-dev/sourcebot#1544), @hono/node-server 2.0.5 for GHSA-frvp-7c67-39w9
 *   (sourcebot-dev/sourcebot#1491). For these the affected range's start is not known: the whole major
 *   line below the fix is treated as affected.
 * When a new advisory appears, add it here with its fixed version and upgrade the lockfile until this passes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_DIR } from '../src/config';

/** One advisory: versions in any `[introduced, fixed)` range are affected. */
interface Advisory {
  readonly id: string;
  readonly summary: string;
  readonly ranges: readonly (readonly [introduced: string, fixed: string])[];
}

const ADVISORIES: Readonly<Record<string, readonly Advisory[]>> = {
  'socket.io-parser': [
    {
      id: 'GHSA-677m-j7p3-52f9 / CVE-2026-33151',
      summary: 'unbounded number of binary attachments buffered (server out of memory)',
      ranges: [
        ['4.0.0', '4.2.6'],
        ['3.4.0', '3.4.4'],
        ['0.0.0', '3.3.5'],
      ],
    },
    {
      id: 'GHSA-2m8v-j782-fhvr / CVE-2026-69185',
      summary: 'zero-attachment binary packet accepted (memory exhaustion)',
      ranges: [
        ['4.0.0', '4.2.7'],
        ['3.4.0', '3.4.5'],
        ['0.0.0', '3.3.6'],
      ],
    },
  ],
  'engine.io': [
    {
      id: 'GHSA-r7qp-cfhv-p84w / CVE-2022-41940',
      summary: 'crafted HTTP request triggers an uncaught exception (process killed)',
      ranges: [
        ['4.0.0', '6.2.1'],
        ['0.0.0', '3.6.1'],
      ],
    },
    {
      id: 'GHSA-q9mw-68c2-j6m5 / CVE-2023-31125',
      summary: 'crafted upgrade request triggers an uncaught exception (process killed)',
      ranges: [['5.1.0', '6.4.2']],
    },
    {
      id: 'CVE-2026-59725',
      summary: 'denial of service via invalid binary POST requests',
      ranges: [['6.0.0', '6.6.7']],
    },
  ],
  ws: [
    {
      id: 'GHSA-3h5v-q93c-6h6q / CVE-2024-37890',
      summary: 'request with more headers than server.maxHeadersCount crashes the server',
      ranges: [
        ['8.0.0', '8.17.1'],
        ['7.0.0', '7.5.10'],
        ['6.0.0', '6.2.3'],
        ['2.1.0', '5.2.4'],
      ],
    },
    {
      id: 'GHSA-58qx-3vcg-4xpx / CVE-2026-45736',
      summary: 'uninitialised memory disclosure',
      ranges: [['8.0.0', '8.20.1']],
    },
    {
      id: 'CVE-2026-48779',
      summary: 'ws advisory fixed in 8.21.0',
      ranges: [['8.0.0', '8.21.0']],
    },
  ],
  'socket.io': [
    {
      id: 'GHSA-25hc-qcg6-38wj / CVE-2024-38355',
      summary: "crafted packet triggers an unhandled 'error' event (process killed)",
      ranges: [
        ['3.0.0', '4.6.2'],
        ['0.0.0', '2.5.1'],
      ],
    },
  ],
  // `hono/jwt` signs and verifies our tokens (services/identity.ts): the JWT code's dependency is hono.
  hono: [
    {
      id: 'GHSA-f67f-6cw9-8mq4 / CVE-2026-22817',
      summary: 'JWT algorithm confusion: the token header could choose the verification algorithm',
      ranges: [['0.0.0', '4.11.4']],
    },
    {
      id: 'GHSA-hm8q-7f3q-5f36 / CVE-2026-44459',
      summary: 'JWT verify() validated NumericDate claims (exp, nbf, iat) improperly',
      ranges: [['0.0.0', '4.12.18']],
    },
    {
      id: 'CVE-2026-69207',
      summary: 'hono advisory fixed in 4.13.0',
      ranges: [['4.0.0', '4.13.0']],
    },
    {
      id: 'CVE-2026-84364',
      summary: 'parseBody() dot-notation nesting exhausts the heap',
      ranges: [['0.0.0', '4.13.5']],
    },
  ],
  '@hono/node-server': [
    {
      id: 'GHSA-hgxw-5xg3-69jx / CVE-2024-32652',
      summary: 'a Host header URL cannot parse hangs the application',
      ranges: [['1.3.0', '1.10.1']],
    },
    {
      id: 'GHSA-frvp-7c67-39w9',
      summary: '@hono/node-server advisory fixed in 2.0.5',
      ranges: [['2.0.0', '2.0.5']],
    },
    {
      id: 'CVE-2026-73565',
      summary: 'WebSocket upgrade without a valid Sec-WebSocket-Key leaks the request (memory growth)',
      ranges: [['2.0.0', '2.0.10']],
    },
  ],
};

/**
 * Copies known to be below a fix, each with why it is tolerated for now. Keyed by lock path and version, so
 * any change to the copy ends the exception; an exception no longer needed fails the test (remove it).
 */
const TOLERATED: Readonly<Record<string, string>> = {
  'node_modules/ws@8.18.0':
    'pinned exactly ("ws": "8.18.0") by @dcloudio/uni-mp-weixin and @dcloudio/uni-automator, the uni-app ' +
    "build and devtools tooling of the frontend: never loaded by the server nor bundled into the app. Raising it needs an `overrides` entry in the root package.json (the lead's call, issue 12 report).",
};

type Version = readonly [number, number, number];

/** `1.2.3` → [1, 2, 3]; a pre-release or anything else is refused (the lock here holds none of them). */
function parseVersion(text: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!match) throw new Error(`not a plain x.y.z version: ${JSON.stringify(text)}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

interface Finding {
  readonly path: string;
  readonly version: string;
  readonly advisory: string;
  readonly fixed: string;
}

/** Every copy of every listed package in a lockfile (v2/v3 `packages`), with the advisories it is under. */
function auditLock(
  lock: { packages: Record<string, { version?: string }> },
  advisories: Readonly<Record<string, readonly Advisory[]>>,
): { copies: Record<string, string[]>; findings: Finding[] } {
  const copies: Record<string, string[]> = {};
  const findings: Finding[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.split('node_modules/').at(-1);
    if (name === undefined || !(name in advisories) || entry.version === undefined) continue;
    copies[name] = [...(copies[name] ?? []), `${path}@${entry.version}`];
    for (const advisory of advisories[name] ?? []) {
      for (const [introduced, fixed] of advisory.ranges) {
        const inRange =
          compareVersions(entry.version, introduced) >= 0 && compareVersions(entry.version, fixed) < 0;
        if (inRange) findings.push({ path, version: entry.version, advisory: advisory.id, fixed });
      }
    }
  }
  return { copies, findings };
}

describe('security-relevant dependencies in package-lock.json', () => {
  const lock = JSON.parse(readFileSync(join(BACKEND_DIR, '..', 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const { copies, findings } = auditLock(lock, ADVISORIES);

  it('finds every listed package in the lock (a rename must not silently skip the check)', () => {
    expect(Object.keys(copies).sort()).toEqual(Object.keys(ADVISORIES).sort());
    // The parser the server uses is the fixed one, and there is only one copy of it.
    expect(copies['socket.io-parser']).toEqual(['node_modules/socket.io-parser@4.2.7']);
  });

  it('resolves no copy below the release that fixed an advisory', () => {
    const report = findings
      .filter((f) => !(`${f.path}@${f.version}` in TOLERATED))
      .map((f) => `${f.path}@${f.version}: ${f.advisory} — upgrade to ${f.fixed} or later`);
    expect(report).toEqual([]);
    const stillNeeded = new Set(findings.map((f) => `${f.path}@${f.version}`));
    expect(Object.keys(TOLERATED).filter((copy) => !stillNeeded.has(copy))).toEqual([]);
  });

  it('flags a vulnerable copy, nested or hoisted (the check can fail)', () => {
    const fake = {
      packages: {
        'node_modules/ws': { version: '8.23.0' },
        'node_modules/engine.io/node_modules/ws': { version: '8.17.0' },
        'node_modules/jsdom/node_modules/ws': { version: '7.5.10' },
        'node_modules/socket.io-parser': { version: '4.2.4' },
      },
    };
    const { findings: found } = auditLock(fake, ADVISORIES);
    expect(found.map((f) => `${f.path}@${f.version} ${f.advisory.split(' ')[0]}`)).toEqual([
      'node_modules/engine.io/node_modules/ws@8.17.0 GHSA-3h5v-q93c-6h6q',
      'node_modules/engine.io/node_modules/ws@8.17.0 GHSA-58qx-3vcg-4xpx',
      'node_modules/engine.io/node_modules/ws@8.17.0 CVE-2026-48779',
      'node_modules/socket.io-parser@4.2.4 GHSA-677m-j7p3-52f9',
      'node_modules/socket.io-parser@4.2.4 GHSA-2m8v-j782-fhvr',
    ]);
    expect(() => parseVersion('8.0.0-beta.1')).toThrow(/plain x\.y\.z/);
    expect(compareVersions('8.20.1', '8.3.0')).toBeGreaterThan(0);
  });
});
