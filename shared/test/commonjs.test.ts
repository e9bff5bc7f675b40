/**
 * @module commonjs.test — the package's CommonJS files are its ESM bundle with the export statement
 * rewritten (`toCommonJs`, decision 0015): the same exports, the same values, loadable with only
 * `module` / `exports` in a bare mini-program context.
 */
import { describe, expect, it } from 'vitest';
import { bundleClient, toCommonJs } from '../scripts/bundle';
import { createMiniProgramContext } from './support/bundle';

/** The names an ESM bundle exports (its closing `export{a as b,…}`). */
function esmExportNames(code: string): string[] {
  const tail = /export\s*\{([^}]*)\};?\s*$/.exec(code)?.[1] ?? '';
  return tail
    .split(',')
    .map(
      (item) =>
        item
          .trim()
          .split(/\s+as\s+/)
          .pop() as string,
    )
    .sort();
}

describe('toCommonJs', () => {
  it('rewrites the closing export statement, renames included', () => {
    expect(toCommonJs('var a=1,b=2;export{a as io,b};')).toBe('var a=1,b=2;module.exports={io:a,b:b};\n');
  });

  it('refuses code with another import or export (it converts one closing statement only)', () => {
    expect(() => toCommonJs('import x from "y";var a=1;export{a};')).toThrow(/toCommonJs/);
    expect(() => toCommonJs('var a=1;')).toThrow(/toCommonJs/);
  });

  it('the CommonJS bundle exports exactly what the ESM bundle exports, and runs in a bare context', async () => {
    const [esm, cjs] = await Promise.all([bundleClient('ours', 'esm'), bundleClient('ours', 'cjs')]);
    expect(cjs.code).not.toMatch(/\bexport\s*\{/);
    const mp = createMiniProgramContext();
    try {
      const module = { exports: {} as Record<string, unknown> };
      const factory = mp.run(`(function (module, exports) {${cjs.code}\n})`, 'index.js') as (
        m: typeof module,
        e: unknown,
      ) => void;
      factory(module, module.exports);
      expect(Object.keys(module.exports).sort()).toEqual(esmExportNames(esm.code));
      expect(module.exports.default).toBe(module.exports.io);
      expect(module.exports.connect).toBe(module.exports.io);
      expect(typeof module.exports.Manager).toBe('function');
    } finally {
      mp.dispose();
    }
  });
});
