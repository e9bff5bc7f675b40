/**
 * @module docs-i18n-check — compares an English document with its Chinese translation and says, line by
 * line, where they drifted apart (used by docs-i18n.test.ts, which also proves it on broken pairs).
 *
 * What must agree: the heading structure (levels in order, and each heading's number and code spans),
 * the fenced code blocks (byte-identical, in order), the identifiers that are environment variables or
 * error codes, the HTTP status codes in backticks, the numbers of two digits or more (sizes, limits,
 * ports, versions: what the English changes most often), the Chinese the English quotes (console paths,
 * tool labels such as 构建 npm), and each file's relative links (the file exists, and a `#fragment` names
 * a heading of it). The rest of the prose is caught by the version marker: a translation ends with the git
 * blob id of the English it follows, so any later change to the English fails until someone has read
 * `git diff <old> <new>` and brought the Chinese along. Prose is free: a translation that reads naturally reorders
 * sentences, so nothing finer than these is compared.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}

export interface CodeBlock {
  readonly text: string;
  readonly line: number;
}

export interface ParsedDoc {
  readonly headings: readonly Heading[];
  readonly codeBlocks: readonly CodeBlock[];
  /** Env variables, error codes (`[A-Z][A-Z0-9_]{3,}` in code spans, or with an `_` in prose) and HTTP statuses in backticks, each with its first line. */
  readonly identifiers: ReadonlyMap<string, number>;
  /** Numbers of two digits or more outside code blocks (sizes, limits, ports, versions), each with its first line. */
  readonly figures: ReadonlyMap<string, number>;
  /** Runs of Han characters after the language links (the English quotes console paths and tool labels so), each with its first line. */
  readonly hanTerms: ReadonlyMap<string, number>;
  readonly links: readonly { readonly target: string; readonly line: number }[];
  /** The text outside fenced code blocks, fenced lines blanked (line numbers kept). */
  readonly prose: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Splits a markdown text into prose (fences blanked) and its fenced code blocks. */
export function parseDoc(source: string): ParsedDoc {
  const lines = source.split('\n');
  const codeBlocks: CodeBlock[] = [];
  const proseLines: string[] = [];
  let open: { marker: string; start: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = FENCE.exec(line);
    if (open) {
      proseLines.push('');
      if (
        fence &&
        fence[1]?.[0] === open.marker[0] &&
        (fence[1]?.length ?? 0) >= open.marker.length &&
        !fence[2]?.trim()
      ) {
        codeBlocks.push({ text: open.body.join('\n'), line: open.start });
        open = undefined;
      } else {
        open.body.push(line);
      }
      return;
    }
    if (fence) {
      open = { marker: fence[1] ?? '```', start: i + 1, body: [line] };
      proseLines.push('');
      return;
    }
    proseLines.push(line);
  });
  if (open) codeBlocks.push({ text: open.body.join('\n'), line: open.start });
  const prose = proseLines.join('\n');

  const headings: Heading[] = [];
  proseLines.forEach((line, i) => {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) headings.push({ level: m[1]?.length ?? 0, text: m[2] ?? '', line: i + 1 });
  });

  const identifiers = new Map<string, number>();
  const note = (id: string, offset: number): void => {
    if (!identifiers.has(id)) identifiers.set(id, lineAt(prose, offset));
  };
  for (const span of codeSpans(prose)) {
    for (const m of span.text.matchAll(/(?<![\w.-])[A-Z][A-Z0-9_]{3,}(?![\w-])/g)) note(m[0], span.offset);
    if (/^[45]\d\d$/.test(span.text.trim())) note(span.text.trim(), span.offset);
  }
  for (const m of withoutCodeSpans(prose).matchAll(/(?<![\w.-])[A-Z][A-Z0-9]*_[A-Z0-9_]+(?![\w-])/g)) {
    note(m[0], m.index ?? 0);
  }

  const figures = new Map<string, number>();
  for (const m of prose.matchAll(/(?<![\w.,-])-?\d+(?:[.,]\d+)*(?!\w)/g)) {
    if (m[0].replace(/\D/g, '').length >= 2 && !figures.has(m[0]))
      figures.set(m[0], lineAt(prose, m.index ?? 0));
  }

  const hanTerms = new Map<string, number>();
  for (const m of prose.matchAll(/\p{Script=Han}+/gu)) {
    const line = lineAt(prose, m.index ?? 0);
    if (line > 5 && !hanTerms.has(m[0])) hanTerms.set(m[0], line);
  }

  const links: { target: string; line: number }[] = [];
  for (const m of withoutCodeSpans(prose).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    links.push({ target: m[1] ?? '', line: lineAt(prose, m.index ?? 0) });
  }
  return { headings, codeBlocks, identifiers, figures, hanTerms, links, prose };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Inline code spans (a span may wrap onto the next line, never across a blank one). */
function codeSpans(prose: string): { text: string; offset: number }[] {
  const spans: { text: string; offset: number }[] = [];
  for (const m of prose.matchAll(/(`+)((?:(?!\n\s*\n)[\s\S])+?)\1(?!`)/g)) {
    spans.push({ text: (m[2] ?? '').replace(/\n/g, ' '), offset: m.index ?? 0 });
  }
  return spans;
}

function withoutCodeSpans(prose: string): string {
  return prose.replace(/(`+)((?:(?!\n\s*\n)[\s\S])+?)\1(?!`)/g, (s) => s.replace(/[^\n]/g, ' '));
}

/** GitHub's heading anchor: lower case, punctuation dropped (Han characters kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a document's headings give, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchors(doc: ParsedDoc): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of doc.headings) {
    const base = slug(h.text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const sameHeading = (a: Heading, b: Heading): boolean =>
  a.level === b.level && headingKey(a.text) === headingKey(b.text);

/** Git's object id of a file's bytes (`git hash-object`), so `git diff <old> <new>` shows what changed. */
export function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The line a translation ends with: the version of the English it was last brought in step with. */
export const syncMarker = (blob: string): string => `<!-- in step with the English at git blob ${blob} -->`;
const SYNC_MARKER = /<!-- in step with the English at git blob ([0-9a-f]{40}) -->/;

/** The heading's leading number ("2.1", "6.") and its code spans: what a translation keeps of it. */
function headingKey(text: string): string {
  const number = /^(\d+(?:\.\d+)*\.?)\s/.exec(text)?.[1] ?? '';
  const code = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(' ');
  return `${number}|${code}`;
}

const quote = (s: string, max = 90): string => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

/** Problems of one file's relative links: missing targets and fragments that name no heading. */
export function linkProblems(file: string, label: string, root = process.cwd()): string[] {
  const doc = parseDoc(readFileSync(file, 'utf8'));
  const problems: string[] = [];
  for (const { target, line } of doc.links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [path = '', fragment] = target.split('#', 2);
    const dest = path === '' ? file : resolve(dirname(file), decodeURI(path));
    if (!existsSync(dest)) {
      problems.push(
        `${label}:${line}: link ${quote(target)} points to ${relative(root, dest)}, which does not exist`,
      );
      continue;
    }
    if (fragment && dest.endsWith('.md') && statSync(dest).isFile()) {
      const names = anchors(parseDoc(readFileSync(dest, 'utf8')));
      if (!names.has(decodeURIComponent(fragment))) {
        problems.push(
          `${label}:${line}: link ${quote(target)}: ${relative(root, dest)} has no heading with the anchor #${fragment}`,
        );
      }
    }
  }
  return problems;
}

/**
 * Everything that differs between an English document and its Chinese translation, one sentence each,
 * naming the heading, code block or identifier and the line in each file. Empty when they are in step.
 */
export function comparePair(enFile: string, zhFile: string, root = process.cwd()): string[] {
  const enLabel = relative(root, enFile);
  const zhLabel = relative(root, zhFile);
  if (!existsSync(zhFile)) return [`${zhLabel} does not exist: translate ${enLabel}`];
  const en = parseDoc(readFileSync(enFile, 'utf8'));
  const zh = parseDoc(readFileSync(zhFile, 'utf8'));
  const problems: string[] = [];

  // Headings: same count, same levels in order, same numbers and code spans.
  const n = Math.max(en.headings.length, zh.headings.length);
  for (let i = 0; i < n; i++) {
    const e = en.headings[i];
    const z = zh.headings[i];
    const at = `heading ${i + 1}`;
    if (!z && e) {
      problems.push(
        `${at}: ${enLabel}:${e.line} has ${'#'.repeat(e.level)} ${quote(e.text)}, ${zhLabel} has no heading there (it has ${zh.headings.length}, English ${en.headings.length})`,
      );
      break;
    }
    if (!e && z) {
      problems.push(
        `${at}: ${zhLabel}:${z.line} has ${'#'.repeat(z.level)} ${quote(z.text)}, ${enLabel} has no heading there (it has ${en.headings.length}, Chinese ${zh.headings.length})`,
      );
      break;
    }
    if (!e || !z) break;
    if (!sameHeading(e, z)) {
      const nextEn = en.headings[i + 1];
      const nextZh = zh.headings[i + 1];
      if (nextEn && sameHeading(nextEn, z)) {
        problems.push(
          `${at}: ${enLabel}:${e.line} has ${'#'.repeat(e.level)} ${quote(e.text)}, missing in ${zhLabel} (before its ${'#'.repeat(z.level)} ${quote(z.text)}, line ${z.line})`,
        );
      } else if (nextZh && sameHeading(e, nextZh)) {
        problems.push(
          `${at}: ${zhLabel}:${z.line} has ${'#'.repeat(z.level)} ${quote(z.text)}, missing in ${enLabel} (before its ${'#'.repeat(e.level)} ${quote(e.text)}, line ${e.line})`,
        );
      } else {
        problems.push(
          `${at}: ${enLabel}:${e.line} ${'#'.repeat(e.level)} ${quote(e.text)} vs ${zhLabel}:${z.line} ${'#'.repeat(z.level)} ${quote(z.text)} (level, number or code spans differ)`,
        );
      }
      break; // later headings would all be reported shifted by one: the first difference is what to fix
    }
  }

  // Code blocks: byte-identical, in order.
  const m = Math.max(en.codeBlocks.length, zh.codeBlocks.length);
  for (let i = 0; i < m; i++) {
    const e = en.codeBlocks[i];
    const z = zh.codeBlocks[i];
    const at = `code block ${i + 1}`;
    if (!z && e) {
      problems.push(
        `${at}: ${enLabel}:${e.line} has ${quote(e.text.split('\n')[0] ?? '')} …, ${zhLabel} has no block there (it has ${zh.codeBlocks.length}, English ${en.codeBlocks.length})`,
      );
      break;
    }
    if (!e && z) {
      problems.push(
        `${at}: ${zhLabel}:${z.line} has ${quote(z.text.split('\n')[0] ?? '')} …, ${enLabel} has no block there (it has ${en.codeBlocks.length}, Chinese ${zh.codeBlocks.length})`,
      );
      break;
    }
    if (!e || !z || e.text === z.text) continue;
    const el = e.text.split('\n');
    const zl = z.text.split('\n');
    const k = el.findIndex((line, j) => line !== zl[j]);
    const j = k === -1 ? el.length : k;
    problems.push(
      `${at} (${enLabel}:${e.line}, ${zhLabel}:${z.line}) differs at its line ${j + 1}: English ${quote(el[j] ?? '<end of block>')}, Chinese ${quote(zl[j] ?? '<end of block>')}`,
    );
  }

  // Environment variables, error codes and HTTP statuses, then sizes, limits, ports and versions: both ways.
  const absent = (
    items: ReadonlyMap<string, number>,
    others: ReadonlyMap<string, number>,
    from: string,
    to: string,
    name: (item: string) => string,
  ): void => {
    for (const [item, line] of items) {
      if (!others.has(item)) problems.push(`${name(item)} is in ${from}:${line} but nowhere in ${to}`);
    }
  };
  const code = (item: string): string => `\`${item}\``;
  const number = (item: string): string => `the number ${item}`;
  absent(en.identifiers, zh.identifiers, enLabel, zhLabel, code);
  absent(zh.identifiers, en.identifiers, zhLabel, enLabel, code);
  absent(en.figures, zh.figures, enLabel, zhLabel, number);
  absent(zh.figures, en.figures, zhLabel, enLabel, number);

  // Chinese the English quotes (a console path, a DevTools menu) is what a Chinese reader must find too.
  for (const [term, line] of en.hanTerms) {
    if (!zh.prose.includes(term)) {
      problems.push(
        `the Chinese term "${term}" is in ${enLabel}:${line} but nowhere in ${zhLabel} (a console path or tool label the translation must keep)`,
      );
    }
  }

  // Prose changes show in none of the above: the translation names the English version it follows.
  const current = gitBlobId(readFileSync(enFile));
  const synced = SYNC_MARKER.exec(readFileSync(zhFile, 'utf8'))?.[1];
  if (!synced) {
    problems.push(
      `${zhLabel} does not say which version of ${enLabel} it follows: end it with ${syncMarker(current)}`,
    );
  } else if (synced !== current) {
    problems.push(
      `${enLabel} changed since ${zhLabel} was brought in step with it: \`git diff ${synced} ${current}\` shows how; translate that, then set the marker to ${current}`,
    );
  }

  // Each names the other in its first lines (Chinese first, English one click away).
  const counterpartLinked = (doc: ParsedDoc, from: string, to: string): boolean =>
    doc.links.some(
      (l) => l.line <= 5 && resolve(dirname(from), l.target.split('#')[0] ?? '') === resolve(to),
    );
  if (!counterpartLinked(en, enFile, zhFile))
    problems.push(`${enLabel} does not link ${zhLabel} in its first 5 lines`);
  if (!counterpartLinked(zh, zhFile, enFile))
    problems.push(`${zhLabel} does not link ${enLabel} in its first 5 lines`);

  problems.push(...linkProblems(enFile, enLabel, root), ...linkProblems(zhFile, zhLabel, root));
  return problems;
}

/** The translated pairs, English first, relative to the repository root. */
export const PAIRS: readonly (readonly [string, string])[] = [
  ['README.md', 'README.zh-CN.md'],
  ['docs/client.md', 'docs/zh-CN/client.md'],
  ['docs/faq.md', 'docs/zh-CN/faq.md'],
  ['docs/deploy-cloud-hosting.md', 'docs/zh-CN/deploy-cloud-hosting.md'],
];

export const pairPaths = (root: string): [string, string][] =>
  PAIRS.map(([e, z]) => [join(root, e), join(root, z)]);
