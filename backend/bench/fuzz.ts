/**
 * @module fuzz — `npm run fuzz`: hostile Engine.IO / Socket.IO frames (`fuzz-frames.ts`) against the real
 * server over raw WebSockets, and against our client's decoder (`fuzz-targets.ts`).
 *
 * The server runs in its own process (`server-child.ts`: a production-like configuration — signed tokens,
 * anonymous use off, the real pocketsphinx engine, a temp SQLite file — on 127.0.0.1 and a free port), so
 * a crash is the process exiting and its RSS is measured before and after from `/proc`.
 *
 * Usage: `npm run fuzz [-- --frames 1000000] [--seconds 900] [--seed 1] [--concurrency 8]
 * [--only server|client]`. `--frames` is per target (default 1,000,000 each); `--seconds` bounds each
 * target's run. Prints the figures and a conclusion line; exits 1 on any crash or hang.
 */
import { cpus, loadavg } from 'node:os';
import { type FuzzStats, fuzzClientDecoder, fuzzServer } from './fuzz-targets';
import { rssBytes, startSecuredServer } from './server-process';

const MiB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a number`);
  return value;
}

function line(name: string, stats: FuzzStats): string {
  const rate = stats.frames / Math.max(0.001, stats.elapsedMs / 1000);
  return (
    `${name}: ${stats.frames.toLocaleString('en')} frames in ${(stats.elapsedMs / 1000).toFixed(1)} s ` +
    `(${Math.round(rate).toLocaleString('en')}/s), ${stats.connections.toLocaleString('en')} connections ` +
    `(${stats.closedOnBadInput.toLocaleString('en')} closed on bad input), crashes ${stats.crashes}, hangs ${stats.hangs}` +
    `${stats.stoppedEarly ? ` — stopped early: ${stats.stoppedEarly}` : ''}`
  );
}

async function main(): Promise<void> {
  const frames = arg('--frames', 1_000_000);
  const seconds = arg('--seconds', 900);
  const seed = arg('--seed', 1);
  const concurrency = arg('--concurrency', 8);
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  console.log(
    `fuzz: ${frames.toLocaleString('en')} frames per target, ≤ ${seconds} s each, seed ${seed}; ` +
      `${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  let failed = false;

  if (only !== 'server') {
    const stats = fuzzClientDecoder({ frames, seed, deadline: Date.now() + seconds * 1000 });
    console.log(line('client decoder', stats));
    for (const text of stats.samples) console.log(`  ${text}`);
    failed ||= stats.crashes > 0 || stats.hangs > 0;
  }

  if (only !== 'client') {
    const server = await startSecuredServer('rv-fuzz-');
    const { child } = server;
    try {
      const token = await server.token('fuzz', seconds + 600);
      await new Promise((done) => setTimeout(done, 1000)); // let start-up allocations settle
      const before = rssBytes(child.pid);
      const stats = await fuzzServer({
        url: child.url,
        frames,
        seed,
        concurrency,
        token,
        deadline: Date.now() + seconds * 1000,
        serverAlive: () => child.alive,
        progress: (s) =>
          console.log(
            `  … ${s.frames.toLocaleString('en')} frames, RSS ${(rssBytes(child.pid) / MiB).toFixed(0)} MiB`,
          ),
      });
      await new Promise((done) => setTimeout(done, 2000));
      const after = rssBytes(child.pid);
      console.log(line('server', stats));
      console.log(
        `server RSS: ${(before / MiB).toFixed(0)} MiB before, ${(after / MiB).toFixed(0)} MiB after ` +
          `(${after >= before ? '+' : ''}${((after - before) / MiB).toFixed(0)} MiB)${child.alive ? '' : ' — process gone'}`,
      );
      for (const text of stats.samples) console.log(`  ${text}`);
      failed ||= stats.crashes > 0 || stats.hangs > 0 || !child.alive;
    } finally {
      await server.stop();
    }
  }

  console.log(
    failed
      ? 'CONCLUSION: FAIL — a crash or a hang (see above); each is a bug to fix.'
      : 'CONCLUSION: PASS — no crash, no hang.',
  );
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error('fuzz: failed:', error);
  process.exit(2);
});
