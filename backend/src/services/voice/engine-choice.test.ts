import { describe, expect, it } from 'vitest';
import { createEngineRegistry, createTencentEngine } from '../../speech';
import { chooseEngine, matchLanguage } from './engine-choice';

describe('matchLanguage', () => {
  const bilingual = ['zh-CN', 'en-US'];

  it('takes the exact tag, in any case, and WeChat underscores', () => {
    expect(matchLanguage(bilingual, 'EN-us')).toBe('en-US');
    expect(matchLanguage(bilingual, 'zh_CN')).toBe('zh-CN');
  });

  it('falls back to the same language with another region or script, never to another language', () => {
    expect(matchLanguage(bilingual, 'zh')).toBe('zh-CN');
    expect(matchLanguage(bilingual, 'zh-Hans-CN')).toBe('zh-CN');
    expect(matchLanguage(bilingual, 'en-GB')).toBe('en-US');
    expect(matchLanguage(['zh-CN', 'zh-TW'], 'zh-TW')).toBe('zh-TW');
    expect(matchLanguage(bilingual, 'fr-FR')).toBeUndefined();
  });

  it("defaults to the engine's first language", () => {
    expect(matchLanguage(bilingual, undefined)).toBe('zh-CN');
  });
});

describe('chooseEngine with an engine that is configured but not usable', () => {
  it("gives that engine's code and actionable message, while the default stays choosable", async () => {
    const tencent = createTencentEngine({});
    const other = createTencentEngine({
      credentials: { appId: '1', secretId: 'AKIDx', secretKey: 'k' },
      endpoint: 'ws://127.0.0.1:9',
    });
    const registry = createEngineRegistry([{ ...other, name: 'default-engine' }, tencent], 'default-engine');
    expect(() => chooseEngine(registry, { engine: 'tencent' })).toThrow(
      expect.objectContaining({
        code: 'ENGINE_UNAVAILABLE',
        message: expect.stringContaining('TENCENT_SECRET_KEY'),
      }),
    );
    expect(chooseEngine(registry, { language: 'zh_CN' })).toMatchObject({ language: 'zh-CN' });
    await registry.close();
  });
});
