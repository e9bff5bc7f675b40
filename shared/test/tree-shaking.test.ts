/**
 * @module tree-shaking.test — an app ships only what it imports: a WeChat Cloud Hosting app (connectContainer)
 * gets neither Alipay's base64 codec nor the lifecycle helper.
 */
import { describe, expect, it } from 'vitest';
import { bundleClient } from '../scripts/bundle';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('tree-shaking of the bundled client', () => {
  it('{ io, connectContainerTransport } carries no Alipay codec and no lifecycle helper', async () => {
    const { code } = await bundleClient('ours', 'esm', { exports: ['io', 'connectContainerTransport'] });
    expect(code).not.toContain(BASE64_ALPHABET);
    expect(code).not.toContain('isBuffer');
    expect(code).not.toContain('onAppShow');
  });

  it('{ io, connectSocketTransport } does carry the Alipay codec (vendor: "alipay" and auto-detection)', async () => {
    const { code } = await bundleClient('ours', 'esm', { exports: ['io', 'connectSocketTransport'] });
    expect(code).toContain(BASE64_ALPHABET);
    expect(code).toContain('isBuffer');
  });
});
