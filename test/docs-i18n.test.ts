/**
 * @module docs-i18n.test — the Chinese documents stay in step with the English ones.
 *
 * For each pair of `PAIRS` (README, client, FAQ, deployment guide): the same heading structure, the same
 * fenced code blocks byte for byte, every environment variable, error code and number (sizes, limits,
 * ports) of one present in the other, relative links that resolve, and each file linking its counterpart
 * at the top. A failure lists
 * every difference, naming the heading, code block or identifier and its line in each file, so that a
 * change to an English document tells exactly what its translation needs.
 *
 * The checker is proven first on a pair in a temporary directory, broken one way at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { anchors, comparePair, gitBlobId, PAIRS, pairPaths, parseDoc, syncMarker } from './docs-i18n-check';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the English and Chinese documents are in step', () => {
  it.each(pairPaths(root).map(([en, zh], i) => [PAIRS[i]?.[1] ?? zh, en, zh]))('%s', (_name, en, zh) => {
    const problems = comparePair(en, zh, root);
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });
});

// A small pair in step, then the same pair broken one way at a time.
const EN = `# Title

**English** | [中文](zh.md)

Set \`AUTH_TOKEN_SECRET\`; a refusal is \`CONNECT_REFUSED\` (\`401\`), a CONNECT_ERROR underneath.
See [the options](#2-options) and [other](other.md#a-heading).

## 1. Connecting with \`io()\`

\`\`\`ts
const socket = io('/realtime-voice');
\`\`\`

## 2. Options

### 2.1 More

\`\`\`sh
npm start
\`\`\`
`;

const ZH = `# 标题

[English](en.md) | **中文**

设置 \`AUTH_TOKEN_SECRET\`；被拒绝时是 \`CONNECT_REFUSED\`（\`401\`），底层是 CONNECT_ERROR。
参见[选项](#2-选项)与[另一篇](other.md#a-heading)。

## 1. 用 \`io()\` 连接

\`\`\`ts
const socket = io('/realtime-voice');
\`\`\`

## 2. 选项

### 2.1 更多

\`\`\`sh
npm start
\`\`\`
`;

describe('the checker, on a pair in a temporary directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-i18n-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'other.md'), '# Other\n\n## A heading\n');
  /** Writes the pair, the Chinese marked as in step with `syncedWith` (by default the English written; `null`: no marker). */
  const check = (zh: string, en = EN, syncedWith: string | null = en): string[] => {
    writeFileSync(join(dir, 'en.md'), en);
    const marker = syncedWith === null ? '' : `\n${syncMarker(gitBlobId(Buffer.from(syncedWith)))}\n`;
    writeFileSync(join(dir, 'zh.md'), `${zh}${marker}`);
    return comparePair(join(dir, 'en.md'), join(dir, 'zh.md'), dir);
  };

  it('finds nothing to report in a pair that is in step', () => {
    expect(check(ZH)).toEqual([]);
  });

  it('reads Chinese anchors as GitHub makes them', () => {
    expect([...anchors(parseDoc(ZH))]).toEqual(['标题', '1-用-io-连接', '2-选项', '21-更多']);
  });

  it('names a heading whose level changed', () => {
    expect(check(ZH.replace('### 2.1 更多', '## 2.1 更多'))).toEqual([
      'heading 4: en.md:16 ### "2.1 More" vs zh.md:16 ## "2.1 更多" (level, number or code spans differ)',
    ]);
  });

  it('names a missing heading', () => {
    expect(check(ZH.replace('### 2.1 更多\n', ''))).toEqual([
      'heading 4: en.md:16 has ### "2.1 More", zh.md has no heading there (it has 3, English 4)',
      'the number 2.1 is in en.md:16 but nowhere in zh.md',
    ]);
  });

  it('names a heading added on one side, and where', () => {
    expect(check(ZH, EN.replace('## 2. Options\n', '### 1.1 Mirrors\n\n## 2. Options\n'))).toEqual([
      'heading 3: en.md:14 has ### "1.1 Mirrors", missing in zh.md (before its ## "2. 选项", line 14)',
      'the number 1.1 is in en.md:14 but nowhere in zh.md',
    ]);
    expect(check(ZH.replace('## 2. 选项\n', '### 1.1 镜像\n\n## 2. 选项\n'))).toEqual([
      'heading 3: zh.md:14 has ### "1.1 镜像", missing in en.md (before its ## "2. Options", line 14)',
      'the number 1.1 is in zh.md:14 but nowhere in en.md',
    ]);
  });

  it('names a heading that lost its number or its code span', () => {
    expect(check(ZH.replace('## 1. 用 `io()` 连接', '## 1. 用 io 连接'))).toEqual([
      'heading 2: en.md:8 ## "1. Connecting with `io()`" vs zh.md:8 ## "1. 用 io 连接" (level, number or code spans differ)',
    ]);
  });

  it('names a code block that is not byte-identical, and the line in it', () => {
    const problems = check(ZH.replace("io('/realtime-voice')", "io('/realtime-voice') // 连接"));
    expect(problems).toEqual([
      `code block 1 (en.md:10, zh.md:10) differs at its line 2: English "const socket = io('/realtime-voice');", Chinese "const socket = io('/realtime-voice') // 连接;"`,
    ]);
  });

  it('names a missing code block', () => {
    expect(check(ZH.replace('```sh\nnpm start\n```\n', ''))).toEqual([
      'code block 2: en.md:18 has "```sh" …, zh.md has no block there (it has 1, English 2)',
    ]);
  });

  it('names an environment variable, an error code and an HTTP status missing on either side', () => {
    const zh = ZH.replace('`AUTH_TOKEN_SECRET`', '密钥')
      .replace('`401`', '401')
      .replace('CONNECT_ERROR', 'CONNECT_ERROR 与 `SERVER_CLOSING`');
    expect(check(zh)).toEqual([
      '`AUTH_TOKEN_SECRET` is in en.md:5 but nowhere in zh.md',
      '`401` is in en.md:5 but nowhere in zh.md',
      '`SERVER_CLOSING` is in zh.md:5 but nowhere in en.md',
    ]);
    expect(check(ZH.replace('CONNECT_ERROR', 'CONNECT 错误'))).toEqual([
      '`CONNECT_ERROR` is in en.md:5 but nowhere in zh.md',
    ]);
  });

  it('names a number (a size, a limit, a port) that changed on one side', () => {
    const en = EN.replace('a CONNECT_ERROR underneath.', 'a CONNECT_ERROR underneath. It listens on 8080.');
    const zh = ZH.replace('底层是 CONNECT_ERROR。', '底层是 CONNECT_ERROR。监听 80 端口。');
    expect(check(zh, en)).toEqual([
      'the number 8080 is in en.md:5 but nowhere in zh.md',
      'the number 80 is in zh.md:5 but nowhere in en.md',
    ]);
  });

  it('names a Chinese console path of the English that the translation lost', () => {
    const en = EN.replace('## 2. Options\n', '## 2. Options\n\nRaise it in 设置 → 功能设置.\n');
    const zh = ZH.replace('## 2. 选项\n', '## 2. 选项\n\n在 设置 → 基本设置 中提高。\n');
    expect(check(zh, en)).toEqual([
      'the Chinese term "功能设置" is in en.md:16 but nowhere in zh.md (a console path or tool label the translation must keep)',
    ]);
  });

  it('names a relative link to a missing file or a missing heading', () => {
    expect(check(ZH.replace('other.md#a-heading', 'gone.md').replace('#2-选项', '#2-options'))).toEqual([
      'zh.md:6: link "#2-options": zh.md has no heading with the anchor #2-options',
      'zh.md:6: link "gone.md" points to gone.md, which does not exist',
    ]);
  });

  it('names an English change that shows only in prose, with the git diff that shows it', () => {
    const changed = EN.replace('Set `AUTH_TOKEN_SECRET`', 'Always set `AUTH_TOKEN_SECRET`');
    const [old, now] = [gitBlobId(Buffer.from(EN)), gitBlobId(Buffer.from(changed))];
    expect(check(ZH, changed, EN)).toEqual([
      `en.md changed since zh.md was brought in step with it: \`git diff ${old} ${now}\` shows how; translate that, then set the marker to ${now}`,
    ]);
    expect(check(ZH, EN, null)).toEqual([
      `zh.md does not say which version of en.md it follows: end it with <!-- in step with the English at git blob ${old} -->`,
    ]);
  });

  it('computes the id git gives the file', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    expect(gitBlobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('requires each file to link its counterpart at the top', () => {
    expect(check(ZH.replace('[English](en.md) | ', ''))).toEqual([
      'zh.md does not link en.md in its first 5 lines',
    ]);
  });
});
