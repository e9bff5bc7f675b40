/**
 * Vite config for the uni-app builds (mp-weixin, mp-alipay, mp-toutiao, h5).
 *
 * Only the uni plugin and the `@` alias: everything platform-specific lives in `src/platform/`.
 */
import { fileURLToPath } from 'node:url';
import uniModule from '@dcloudio/vite-plugin-uni';
import { defineConfig } from 'vite';

// The plugin is CommonJS; depending on how vite bundles this file the default export may arrive wrapped.
const uni = ((uniModule as unknown as { default?: typeof uniModule }).default ??
  uniModule) as typeof uniModule;

export default defineConfig({
  plugins: [uni()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
});
