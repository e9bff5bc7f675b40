/**
 * @module home routes — the built H5 app at `/` (static files from `STATIC_DIR`), or, when it has not
 * been built, a small page saying how to build it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>realtime-voice</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>realtime-voice server is running</h1>
<p>The H5 app has not been built, so there is nothing to show here yet. Build it and reload:</p>
<pre>npm run build:h5 -w @realtime-voice/frontend</pre>
<p>The API is under <code>/api</code>, the Socket.IO namespace is <code>/realtime-voice</code>, and
<a href="/healthz">/healthz</a> reports the speech engine's readiness.</p>
</body></html>`;

export function homeRoutes(staticDir: string) {
  const built = () => existsSync(join(staticDir, 'index.html'));
  // Created on first use: serveStatic complains on stderr when its root does not exist yet.
  let files: MiddlewareHandler | undefined;
  const serve: MiddlewareHandler = (c, next) => {
    files ??= serveStatic({ root: staticDir });
    return files(c, next);
  };
  return new Hono()
    .get('/', async (c, next) => (built() ? serve(c, next) : c.html(NOT_BUILT)))
    .get('*', async (c, next) => (built() ? serve(c, next) : next()));
}
