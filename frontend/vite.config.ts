/**
 * Vite config for the uni-app builds (mp-weixin, mp-alipay, mp-toutiao, h5).
 *
 * The uni plugin and the `@` alias: everything platform-specific lives in `src/platform/`. The H5 dev
 * server (`npm run dev`) forwards the backend's paths to it, so the page talks to its own origin as the
 * built app does when the backend serves it (no CORS setup, no `VITE_SERVER_URL`).
 */
import { fileURLToPath } from 'node:url';
import uniModule from '@dcloudio/vite-plugin-uni';
import { defineConfig } from 'vite';

// The plugin is CommonJS; depending on how vite bundles this file the default export may arrive wrapped.
const uni = ((uniModule as unknown as { default?: typeof uniModule }).default ??
  uniModule) as typeof uniModule;

/** The backend `npm run dev` starts (its `PORT`, 3000 by default). */
const backend = `http://127.0.0.1:${process.env.PORT || 3000}`;

export default defineConfig({
  plugins: [uni()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    port: Number(process.env.DEV_H5_PORT) || 5173,
    proxy: {
      '/api': { target: backend },
      '/healthz': { target: backend },
      '/socket.io': { target: backend, ws: true },
    },
  },
});
