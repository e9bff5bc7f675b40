/**
 * @module sherpa-optional.test — `sherpa-onnx-node` is an optional dependency (`npm install
 * --omit=optional`, or a platform without its prebuilt binaries, leaves it out): without it the engine
 * is `ENGINE_UNAVAILABLE` with a message saying how to install it, and nothing throws.
 *
 * The absence is real, not mocked: the engine's sources are copied to a temporary folder outside the
 * repository, where Node's module resolution finds no `node_modules`, and run there in a child process.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BACKEND = join(dirname(fileURLToPath(import.meta.url)), '..');
const copy = mkdtempSync(join(tmpdir(), 'rv-no-sherpa-'));

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('sherpa-onnx without sherpa-onnx-node installed', () => {
  it('is ENGINE_UNAVAILABLE, saying it is optional and how to install it', async () => {
    cpSync(join(BACKEND, 'src', 'speech'), join(copy, 'speech'), { recursive: true });
    // The one coded error class the engines' errors derive from (`src/errors.ts`).
    cpSync(join(BACKEND, 'src', 'errors.ts'), join(copy, 'errors.ts'));
    // It takes the codes from the shared catalogue: only that workspace package is reachable from the copy.
    mkdirSync(join(copy, 'node_modules', '@realtime-voice'), { recursive: true });
    symlinkSync(join(BACKEND, '..', 'shared'), join(copy, 'node_modules', '@realtime-voice', 'shared'));
    // ES modules, as in the backend (its package.json says so).
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }\n');
    const probe = join(copy, 'probe.ts');
    writeFileSync(
      probe,
      [
        "import { createSherpaEngine } from './speech/sherpa/engine';",
        "const engine = createSherpaEngine({ modelDir: '/nonexistent-model' });",
        'const status = await engine.whenLoaded();',
        "const stream = await engine.createStream({ sampleRate: 16000 }, { onPartial() {}, onFinal() {}, onError() {} }).then(() => 'created', (error) => error.code);",
        'await engine.close();',
        'console.log(JSON.stringify({ status, stream }));',
      ].join('\n'),
    );
    // `--import tsx` resolves from the backend (cwd); the probe and the engine resolve from the copy.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], {
      cwd: BACKEND,
      env: { ...process.env, NODE_PATH: '' },
      timeout: 60_000,
    });
    const { status, stream } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(status).toMatchObject({ ready: false, code: 'ENGINE_UNAVAILABLE' });
    expect(status.message).toMatch(
      /^sherpa-onnx-node cannot be loaded \(Cannot find module 'sherpa-onnx-node'/,
    );
    expect(status.message).toMatch(
      /optional dependency.*npm install sherpa-onnx-node -w @realtime-voice\/backend/,
    );
    expect(stream).toBe('ENGINE_UNAVAILABLE');
  }, 90_000);
});
