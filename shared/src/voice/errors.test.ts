import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES, ERROR_KIND_STATUS, isErrorCode } from './errors';

const repo = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

/** Rows of the markdown tables whose first header cell is `header`: first cell's codes, and the cells. */
function tableRows(markdown: string, header: string): { codes: string[]; cells: string[] }[] {
  const rows: { codes: string[]; cells: string[] }[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    if (cells[0] === header) inTable = true;
    else if (inTable && !cells[0]!.startsWith('---')) {
      rows.push({ codes: [...cells[0]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!), cells });
    }
  }
  return rows;
}

/** The section of a markdown file under a `## ` heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

describe('the error catalogue', () => {
  it('gives each code the status of its kind', () => {
    for (const code of ERROR_CODES) {
      const { kind, status } = ERROR_CATALOGUE[code];
      expect(status, code).toBe(ERROR_KIND_STATUS[kind]);
    }
  });

  it('tells its codes from other strings', () => {
    expect(isErrorCode('LIMIT_SESSIONS')).toBe(true);
    expect(isErrorCode('LIMIT_SESSION')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it("is docs/backend.md's table of codes, both ways, with each status and kind", () => {
    const rows = tableRows(section(read('docs/backend.md'), 'Error codes'), 'code');
    const documented = new Map(rows.map((row) => [row.codes[0], row.cells]));
    for (const code of ERROR_CODES) {
      const cells = documented.get(code);
      expect(cells, `${code} is missing from docs/backend.md's table`).toBeDefined();
      expect(cells![1], code).toBe(String(ERROR_CATALOGUE[code].status));
      expect(cells![2], code).toBe(ERROR_CATALOGUE[code].kind);
    }
    for (const code of documented.keys())
      expect(isErrorCode(code), `${code} is not in the catalogue`).toBe(true);
  });

  it('knows every code the other tables of docs/backend.md name', () => {
    const named = tableRows(read('docs/backend.md'), 'code').flatMap((row) => row.codes);
    expect(named.length).toBeGreaterThan(ERROR_CODES.length);
    for (const code of named) expect(isErrorCode(code), `${code} (docs/backend.md)`).toBe(true);
  });

  it("leaves the client's codes to the client: docs/client.md's table is ClientErrorCode, both ways", () => {
    const source = read('shared/src/socketio/errors.ts');
    const union = source.slice(source.indexOf('export type ClientErrorCode'), source.indexOf('export class'));
    const clientCodes = [...union.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]!).sort();
    const documented = tableRows(read('docs/client.md'), 'code')
      .flatMap((row) => row.codes)
      .sort();
    expect(clientCodes.length).toBeGreaterThan(10);
    expect(documented).toEqual(clientCodes);
  });
  it('knows every code the docs name in prose (backend, client, faq, security)', () => {
    const clientSource = read('shared/src/socketio/errors.ts');
    const clientCodes = new Set([...clientSource.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]!));
    const backend = read('docs/backend.md');
    const variables = new Set(
      tableRows(section(backend, 'Configuration'), 'variable').flatMap((row) => row.codes),
    );
    // The app's build variables (`VITE_*`), documented beside the server's for local development.
    for (const name of read('frontend/src/config.ts').match(/VITE_[A-Z0-9_]+/g) ?? []) variables.add(name);
    /** Names in the docs that are neither codes nor variables: start-up failures (logged, never sent), errnos, files. */
    const others = new Set([
      'DATABASE_MISSING',
      'DATABASE_UNAVAILABLE',
      'MIGRATION_LOCK_TIMEOUT',
      'REDIS_UNAVAILABLE',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'ER_ACCESS_DENIED_ERROR',
      'CREATE',
      'SHA256SUMS',
      'ERROR_CATALOGUE',
      'MALLOC_ARENA_MAX',
      'REALTIME_VOICE_TOKEN',
      'REALTIME_VOICE_URL',
      // `npm run dev`'s H5 port (scripts/dev.mjs), documented beside the server's variables.
      'DEV_H5_PORT',
    ]);
    for (const doc of ['docs/backend.md', 'docs/client.md', 'docs/faq.md', 'docs/security.md']) {
      for (const [, name] of read(doc).matchAll(/`([A-Z][A-Z0-9_]{3,})`/g)) {
        const known =
          isErrorCode(name) || clientCodes.has(name!) || variables.has(name!) || others.has(name!);
        expect(known, `${doc}: \`${name}\` is no error code, client code or variable`).toBe(true);
      }
    }
  });
});
