/**
 * @module server-child — the real server, alone in its own process, for the server-capacity benchmark.
 *
 * Started by `server-capacity.ts` as `node --import tsx bench/server-child.ts` with the configuration in its
 * environment (loopback, port 0, a temp SQLite file, anonymous auth, pocketsphinx). Running it in a child
 * keeps the load generator's CPU and memory out of the server's numbers: the parent reads this process's
 * RSS and CPU time from `/proc/<pid>`, so nothing here answers queries or samples itself.
 *
 * The pocketsphinx engine is built here (not from the configuration) so its pool can be sized and warmed
 * in steps: `BENCH_MAX_STREAMS` decoders at most, `BENCH_LANES` model copies (default: the engine's). RSS is
 * read before the engine, after the models and one decoder, and after all decoders: what the models cost
 * once and what each decoder costs, for the sizing table.
 *
 * Protocol on stdout: one JSON line `{"url": "...", "pid": 123, "memory": {…}}` once the server listens
 * with its decoders ready. The server closes
 * when stdin ends (the parent closed it, or the parent died — so an aborted benchmark leaves no server
 * behind) or on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createServer } from '../src/server';
import { createPocketsphinxEngine } from '../src/speech';

/** This process's VmRSS in bytes, after a GC so JavaScript garbage does not count as engine memory. */
function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** What the pocketsphinx engine's pool holds, measured while it warms (see the module header). */
export interface ChildMemory {
  readonly beforeEngineBytes: number;
  /** RSS with the models loaded and one decoder. */
  readonly oneDecoderBytes: number;
  readonly warmBytes: number;
  readonly decoders: number;
  readonly lanes: number;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const maxStreams = Number(process.env.BENCH_MAX_STREAMS ?? 10);
  const lanes = process.env.BENCH_LANES ? Number(process.env.BENCH_LANES) : undefined;
  const beforeEngineBytes = rss();
  const { modelDir, libraryDir } = config.pocketsphinx;
  const engine = createPocketsphinxEngine({
    ...(modelDir ? { modelDir } : {}),
    ...(libraryDir
      ? {
          libraries: {
            sphinxbase: `${libraryDir}/libsphinxbase.so.3`,
            pocketsphinx: `${libraryDir}/libpocketsphinx.so.3`,
          },
        }
      : {}),
    maxStreams,
    warmDecoders: 0,
    ...(lanes ? { lanes } : {}),
  });
  await engine.warm(1);
  const oneDecoderBytes = rss();
  await engine.warm(maxStreams);
  const stats = engine.poolStats();
  const memory: ChildMemory = {
    beforeEngineBytes,
    oneDecoderBytes,
    warmBytes: rss(),
    decoders: stats.idle,
    lanes: stats.lanes,
  };
  const server = await createServer({
    config,
    logger: createLogger({ level: config.logLevel }),
    engines: [engine],
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid, memory })}\n`);

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
