/**
 * The short version of `npm run fuzz` (issue 12 §6) inside `npm test`: a few seconds of hostile frames
 * (`bench/fuzz-frames.ts`) against the real Socket.IO server in this process (token auth, anonymous use
 * off) over raw WebSockets, and against our client's decoder through its transport interface. A crash (a
 * throw out of the client's decoder, the server no longer answering) or a hang fails the test, with the
 * frames that caused it in the message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FuzzStats, fuzzClientDecoder, fuzzServer } from '../bench/fuzz-targets';
import type { RunningServer } from '../src/server';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

/** What must hold, with the seed in the message to replay a failure. */
const outcome = (seed: number, stats: FuzzStats) => ({
  seed,
  crashes: stats.crashes,
  hangs: stats.hangs,
  samples: stats.samples,
});
const clean = (seed: number) => ({ seed, crashes: 0, hangs: 0, samples: [] });

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('fuzz (short)', () => {
  it('the server survives 3,000 hostile frames on raw WebSockets and still serves', async () => {
    const seed = Date.now() % 100_000; // printed with a failure, to replay it
    const server = await startTestServer();
    servers.push(server);
    const stats = await fuzzServer({
      url: server.url,
      frames: 3_000,
      seed,
      concurrency: 4,
      token: await tokenFor('fuzz'),
      deadline: Date.now() + 20_000,
    });
    expect(outcome(seed, stats)).toEqual(clean(seed));
    expect(stats.frames).toBe(3_000);
    expect(stats.closedOnBadInput).toBeGreaterThan(0); // the fuzz did reach the parsers
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it("the client's decoder never throws on 10,000 hostile frames", () => {
    const seed = Date.now() % 100_000;
    const stats = fuzzClientDecoder({ frames: 10_000, seed, deadline: Date.now() + 15_000 });
    expect(outcome(seed, stats)).toEqual(clean(seed));
    expect(stats.frames).toBe(10_000);
  }, 30_000);
});
