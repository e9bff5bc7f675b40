/**
 * @module redis-adapter — shares Socket.IO events across instances through Redis (`REDIS_URL`), with
 * `@socket.io/redis-streams-adapter` on the node-redis client.
 *
 * Why the Streams adapter and not the classic pub/sub `@socket.io/redis-adapter` (decision 0030): the
 * server uses Socket.IO's connection state recovery, which the classic adapter does not support at all;
 * the Streams adapter keeps recovery sessions in Redis, so a client whose instance went away (scale-in,
 * deploy) resumes on another instance with `recovered = true` and gets what it missed in between. A
 * stream is also read from the last offset after a Redis hiccup, where pub/sub drops what was sent.
 *
 * Cost: with recovery on, every emit (also to one socket) is appended to the stream first, to get its
 * offset — one Redis round trip before delivery. So the publishing client must not queue commands while
 * Redis is down (`disableOfflineQueue`): an emit then fails over to local delivery at once instead of
 * waiting for Redis. The adapter's readers (duplicates of that client) keep the queue: their blocking
 * XREAD loop must wait for the reconnect, not spin on instant failures.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { errorMessage } from '../errors';
import type { Logger } from '../log';

export interface RedisLink {
  /** Pass to `new Server(httpServer, { adapter })`. */
  readonly adapter: ReturnType<typeof createAdapter>;
  /** One round trip (readiness). */
  ping(): Promise<unknown>;
  /**
   * Resolves once every emit made before it has reached its local sockets. With recovery on, an emit is
   * delivered only after Redis stored it (see the module comment); commands are answered in order on the
   * one connection, so a PING answered means every earlier append was too. Resolves a macrotask after that
   * answer: the deliveries its appends' answers started (and the acks waiting for them, `ack-order.ts`)
   * run in microtasks, and may have come in the same read as the PING's answer. Never rejects.
   */
  flush(): Promise<void>;
  /** Waits for commands in flight (e.g. sessions being saved for recovery), then disconnects. */
  close(): Promise<void>;
}

/** Redis unreachable at start: the instance must not run alone while others share events. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  readonly code = 'REDIS_UNAVAILABLE';
}

const CONNECT_ATTEMPTS = 3;

/**
 * Connects (a few attempts, then fails with REDIS_UNAVAILABLE) and builds the adapter. Once connected, a
 * lost connection is retried for ever with a capped backoff; `/readyz` reports it meanwhile.
 *
 * @example
 * const redis = await connectRedis(config.redisUrl, logger);
 * const io = new Server(httpServer, { adapter: redis.adapter });
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisLink> {
  const log = logger.child({ component: 'redis' });
  let connected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries, cause) => {
        if (!connected && retries >= CONNECT_ATTEMPTS) return cause;
        return Math.min(100 * 2 ** retries, 3_000);
      },
    },
  });
  client.on('error', (error: Error) => {
    // node-redis reports each failed reconnect here; without a listener it would throw.
    if (connected) log.warn('redis.error', { error: error.message });
  });
  client.on('ready', () => {
    if (connected) log.info('redis.reconnected');
  });
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw new RedisUnavailableError(`cannot connect to Redis at ${safeAddress(url)}: ${errorMessage(error)}`);
  }
  connected = true;
  // The adapter fires some commands without handling their replies: SET when it saves a disconnecting
  // client's recovery session, PUBLISH for ephemeral messages. While Redis is down those reject at once
  // (no offline queue), one unhandled rejection per disconnecting client. Mark them handled and log them:
  // such a client simply starts a fresh Socket.IO session when it reconnects.
  for (const command of ['set', 'publish'] as const) {
    const send = client[command].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const reply = send(...args);
      reply.catch((error: unknown) =>
        log.warn('redis.command_failed', {
          command,
          error: errorMessage(error),
        }),
      );
      return reply;
    };
  }
  // The adapter duplicates this client for its stream reader and subscriber: give those the offline
  // queue back (see the module comment).
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((overrides?: Parameters<typeof duplicate>[0]) =>
    duplicate({ disableOfflineQueue: false, ...overrides })) as typeof client.duplicate;
  return {
    adapter: createAdapter(client, {
      // How long a blocked XREAD waits before re-issuing; new entries wake it at once. Kept short so the
      // reader notices a shutdown soon.
      blockTimeInMs: 1_000,
    }),
    ping: () => client.ping(),
    flush: () =>
      client
        .ping()
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() => new Promise<void>((resolve) => setImmediate(resolve))),
    async close() {
      if (!client.isOpen) return;
      await client.close().catch(() => client.destroy());
    },
  };
}

/** host:port only: a Redis URL may carry a password. */
function safeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return 'the configured address';
  }
}
