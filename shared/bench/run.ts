/**
 * @module run (bench) — `npm run bench -w @realtime-voice/shared`: our Socket.IO client side by side with
 * socket.io-client 4.8 in one run (issue 2, "Benchmarks"):
 * 1. bundle size, raw and gzip -9, as a mini-program would include it (scripts/bundle.ts);
 * 2. codec throughput against socket.io-parser + engine.io-parser (bench/codec.ts);
 * 3. end to end on loopback against one official server in a child process (bench/e2e.ts).
 *
 * Bounded: fixed counts and round lengths, well under two minutes on two cores. Exits non-zero when a
 * section cannot measure (a bundle that does not build, a codec that does not round-trip, a lost emit or
 * ack). The size budget is reported here but enforced by test/bundle-runtime.test.ts: a bench that fails
 * on a budget would stop the other workspaces' benches from printing their numbers.
 */
import { cpus, loadavg } from 'node:os';
import type { BundleResult } from '../scripts/bundle';
import { bundleClient } from '../scripts/bundle';
import { oursClient, theirsClient } from './clients';
import { runCodecBench } from './codec';
import { runE2eBench, startBenchServer } from './e2e';
import { formatNumber, formatRatio, printTable } from './stats';

/** Our min+gz bundle may be at most this fraction of socket.io-client's (SPEC §3, issue 2). */
const SIZE_BUDGET = 0.5;

/** What an app that uses one transport ships: `{ io, Manager, Socket }` (the peer's surface) plus it. */
const TRANSPORT_BUNDLES = [
  ['WeChat Cloud Hosting', 'connectContainerTransport'],
  ["any vendor's connectSocket", 'connectSocketTransport'],
  ['H5 / Node WebSocket', 'webSocketTransport'],
] as const;

async function sizeSection(): Promise<void> {
  const [ours, theirs, ...perTransport] = await Promise.all([
    bundleClient('ours', 'esm'),
    bundleClient('socket.io-client', 'esm'),
    ...TRANSPORT_BUNDLES.map(([, name]) =>
      bundleClient('ours', 'esm', { exports: ['io', 'Manager', 'Socket', name] }),
    ),
  ]);
  const ratio = (r: BundleResult): string => `${((r.gzip / theirs.gzip) * 100).toFixed(1)}%`;
  const row = (name: string, r: BundleResult): string[] => [
    name,
    formatNumber(r.raw),
    formatNumber(r.gzip),
    ratio(r),
  ];
  printTable(
    '1. Bundle size — esbuild, ESM, minified, es2017; ours platform neutral, socket.io-client platform browser (its Node entry pulls ws/zlib)',
    ['bundle', 'min (B)', 'min+gzip -9 (B)', 'gz vs socket.io-client'],
    [
      ...TRANSPORT_BUNDLES.map(([platform, name], i) =>
        row(`ours: { io, Manager, Socket, ${name} } (${platform})`, perTransport[i] as BundleResult),
      ),
      row('ours: whole public index (every transport, lifecycle)', ours),
      row('socket.io-client 4.8: { io, Manager, Socket }', theirs),
    ],
  );
  const limit = Math.floor(theirs.gzip * SIZE_BUDGET);
  TRANSPORT_BUNDLES.forEach(([platform], i) => {
    const r = perTransport[i] as BundleResult;
    console.log(
      `budget (${platform}): min+gz ≤ ${SIZE_BUDGET * 100}% of socket.io-client → ${ratio(r)} ${r.gzip <= limit ? 'OK' : `OVER BUDGET (limit ${formatNumber(limit)} B)`}`,
    );
  });
  console.log(
    `where our minified bytes are (whole index): ${ours.modules
      .filter((m) => m.bytes > 0)
      .map((m) => `${m.path.replace('shared/src/socketio/', '')} ${formatNumber(m.bytes)}`)
      .join(', ')}`,
  );
}

function codecSection(): void {
  const rounds = 7;
  const millis = 150;
  const rows = runCodecBench({ rounds, millis });
  printTable(
    `2. Codec throughput — encode + decode (Socket.IO + Engine.IO), packets/s, median of ${rounds} rounds × ${millis} ms`,
    ['packet', 'ours', 'socket.io-parser + engine.io-parser', 'ours / theirs'],
    rows.map((row) => [
      row.name,
      formatNumber(row.ours),
      formatNumber(row.theirs),
      formatRatio(row.ours, row.theirs),
    ]),
  );
}

async function e2eSection(): Promise<void> {
  const server = await startBenchServer();
  try {
    const rounds = 5;
    const sizes = { warmup: 200, jsonAcks: 2000, audioAcks: 1000, jsonEmits: 20_000, audioEmits: 5000 };
    const rows = await runE2eBench({
      ours: oursClient,
      theirs: theirsClient,
      url: server.url,
      rounds,
      sizes,
    });
    printTable(
      `3. End to end on loopback — official socket.io 4.8 server in a child process, both clients in Node over ws, ${rounds} rounds (RTT: ${sizes.jsonAcks} + ${sizes.audioAcks} acks per round, pooled; emits: ${sizes.jsonEmits} / ${sizes.audioEmits} per round, median)`,
      ['measure', 'ours', 'socket.io-client', 'ours / theirs', 'better'],
      rows.map((row) => {
        const decimals = row.unit === 'µs' ? 1 : 0;
        const oursBetter = row.higherIsBetter ? row.ours >= row.theirs : row.ours <= row.theirs;
        return [
          `${row.name} (${row.unit})`,
          formatNumber(row.ours, decimals),
          formatNumber(row.theirs, decimals),
          formatRatio(row.ours, row.theirs),
          oursBetter ? 'ours' : 'theirs',
        ];
      }),
    );
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const failures: string[] = [];
  const section = async (name: string, body: () => unknown) => {
    try {
      await body();
    } catch (error) {
      failures.push(name);
      console.error(`\n${name} failed:`, error);
    }
  };
  // Load matters on a shared machine: rounds alternate between the two sides, but absolute numbers move.
  console.log(
    `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await section('bundle size', sizeSection);
  await section('codec throughput', codecSection);
  await section('end to end', e2eSection);
  console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length > 0) {
    console.error(`bench FAILED: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

void main();
