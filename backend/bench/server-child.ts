/**
 * @module server-child — the real server, alone in its own process, for the server-capacity benchmark.
 *
 * Started by `server-capacity.ts` as `node --import tsx bench/server-child.ts` with the configuration in its
 * environment (loopback, port 0, a temp SQLite file, anonymous auth, pocketsphinx). Running it in a child
 * keeps the load generator's CPU and memory out of the server's numbers: the parent reads this process's
 * RSS and CPU time from `/proc/<pid>`, so nothing here answers queries or samples itself.
 *
 * Protocol on stdout: one JSON line `{"url": "...", "pid": 123}` once the server listens. The server closes
 * when stdin ends (the parent closed it, or the parent died — so an aborted benchmark leaves no server
 * behind) or on SIGTERM.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createServer } from '../src/server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const server = await createServer({ config, logger: createLogger({ level: config.logLevel }) });
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // A hung close must not keep a benchmark's child alive: the parent waits a bounded time anyway.
    setTimeout(() => process.exit(2), 10_000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('server-child: close failed:', error);
        process.exit(1);
      },
    );
  };
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error('server-child: failed to start:', error);
  process.exit(1);
});
