/**
 * @module voice-namespace — the `/realtime-voice` Socket.IO namespace: authenticates connections with the
 * same identity rules as HTTP, validates every event's payload, and hands valid ones to the voice session
 * service. Nothing a client sends can throw out of a handler: bad input gets an ack error (when the client
 * passed an ack callback, whatever the event) or else a `session-error` with a code. Every ack is answered,
 * and never before the events emitted to the socket before it (`ack-order.ts`).
 *
 * Bounds per socket (issue 12): a notice about the client's own invalid input is never kept for connection
 * state recovery (`unretained-emit.ts`: a flood of bad frames cannot fill the server's memory); a socket that
 * sends `maxInvalidEvents` invalid events is told `TOO_MANY_INVALID_EVENTS` and disconnected; events
 * beyond `maxEventsPerSecond` (a burst of 5 s worth allowed) are refused with `RATE_LIMITED`; a socket is
 * disconnected with `TOKEN_EXPIRED` when its token expires, and a recovered session whose token has
 * expired is not restored (the client connects afresh and presents a new token).
 */
import type {
  ErrorCode,
  TranscriptRecord,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import type { Namespace, Server, Socket } from 'socket.io';
import { toError } from '../errors';
import type { Logger } from '../log';
import { bearerToken, type Identity, type IdentityService } from '../services/identity';
import { createTokenBucket } from '../services/token-bucket';
import { parseAudioChunk, parseStartOptions } from '../services/voice/voice-input';
import type { VoiceSessions } from '../services/voice/voice-sessions';
import { createAckOrder } from './ack-order';
import type { CutNoticeRegistry } from './cut-notice';
import { emitUnretained } from './unretained-emit';

export interface VoiceSocketData {
  identity: Identity;
}

export type VoiceServer = Server<
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
  Record<string, never>,
  VoiceSocketData
>;
export type VoiceNamespace = Namespace<
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
  Record<string, never>,
  VoiceSocketData
>;
type VoiceSocket = Socket<
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
  Record<string, never>,
  VoiceSocketData
>;

/** Per-socket bounds (config `socketLimits`). */
export interface SocketLimits {
  readonly maxEventsPerSecond: number;
  readonly maxInvalidEvents: number;
}

export interface VoiceNamespaceOptions {
  readonly identity: IdentityService;
  readonly sessions: VoiceSessions;
  readonly logger: Logger;
  readonly limits?: SocketLimits;
  /** Tracks which connections are in a session, for a shutdown whose flush overran (`cut-notice.ts`). */
  readonly cutNotices?: CutNoticeRegistry;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

const DEFAULT_LIMITS: SocketLimits = { maxEventsPerSecond: 100, maxInvalidEvents: 20 };
/** The longest delay `setTimeout` takes. */
const MAX_TIMER_MS = 2_147_483_647;
/** A burst of this many seconds' worth of events is allowed (a reconnect replaying its offline buffer). */
const EVENT_BURST_SECONDS = 5;

/**
 * Refuses every connection to the main namespace `/`: the server serves `/realtime-voice` only, and an
 * identity-less socket on `/` would otherwise stay open forever. The refused connection is closed after
 * Socket.IO's `connectTimeout` like any connection that joins no namespace.
 */
export function refuseMainNamespace(io: VoiceServer): void {
  io.of('/').use((_socket, next) => {
    next(refusal('NAMESPACE_REFUSED', `this server serves the ${VOICE_NAMESPACE} namespace only`));
  });
}

const KNOWN_EVENTS = new Set(['start', 'audio', 'stop']);

/** The room holding every connection of one user (target of `history:new`). */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/** Sends `history:new` to every connection of the record's user. */
export function announceRecord(namespace: VoiceNamespace, record: TranscriptRecord): void {
  namespace.to(userRoom(record.userId)).emit('history:new', record);
}

/**
 * @example
 * const namespace = attachVoiceNamespace(io, { identity, sessions, logger });
 */
export function attachVoiceNamespace(io: VoiceServer, options: VoiceNamespaceOptions): VoiceNamespace {
  const namespace = io.of(VOICE_NAMESPACE);
  const log = options.logger.child({ namespace: VOICE_NAMESPACE });

  namespace.use((socket, next) => {
    const { headers } = socket.handshake;
    const auth: unknown = socket.handshake.auth;
    const rawToken =
      typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined;
    const header = (name: string): string | undefined => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (rawToken !== undefined && typeof rawToken !== 'string') {
      next(refusal('TOKEN_INVALID', 'auth.token must be a string'));
      return;
    }
    // Same rule as HTTP: a malformed Authorization header is refused, never ignored (an empty auth.token
    // does not hide it).
    const token = rawToken || bearerToken(header('authorization'));
    options.identity
      .identify({ header, token })
      .then((result) => {
        if (!result.ok) {
          log.info('voice.connect.refused', { code: result.code });
          next(refusal(result.code, result.message));
          return;
        }
        socket.data.identity = result.identity;
        next();
      })
      .catch((error: unknown) => {
        log.error('voice.connect.error', { error: toError(error) });
        next(refusal('INTERNAL', 'the server could not check your identity'));
      });
  });

  // Connection state recovery restores a socket without the middleware: one whose token has expired
  // meanwhile is not restored (no missed packets), so the client connects afresh and is checked.
  const adapter = namespace.adapter;
  const restoreSession = adapter.restoreSession.bind(adapter);
  const now = options.now ?? Date.now;
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    const data = session?.data as Partial<VoiceSocketData> | undefined;
    const expiresAt = data?.identity?.expiresAt;
    if (session && expiresAt !== undefined && expiresAt * 1000 <= now()) {
      log.info('voice.recovery.refused', { code: 'TOKEN_EXPIRED' });
      // What adapters answer for "no session to restore", although their type does not say so.
      return null as unknown as typeof session;
    }
    return session;
  };

  namespace.on('connection', (socket) => {
    handleConnection(socket, options, log);
  });
  return namespace;
}

function handleConnection(socket: VoiceSocket, options: VoiceNamespaceOptions, log: Logger): void {
  const { userId, method } = socket.data.identity;
  void socket.join(userRoom(userId));
  log.info('voice.connect', { socketId: socket.id, userId, method, recovered: socket.recovered });

  // Acks wait for the events emitted before them (with the Redis adapter those are delivered later).
  const order = createAckOrder();
  socket.onAnyOutgoing((_event: unknown, payload: unknown) => order.delivered(payload));
  /** The ack callback of an event, answering in order; undefined when the client passed none. */
  const replier = (args: readonly unknown[]) => {
    const ack = lastCallback(args);
    return ack && ((response: unknown) => order.after(() => ack(response)));
  };
  const cut = options.cutNotices?.track(socket, (payload) => {
    order.sent(payload);
    socket.emit('session-error', payload);
  });
  const connection = options.sessions.connect(userId)({
    partial: (payload) => {
      order.sent(payload);
      socket.emit('partial', payload);
    },
    result: (payload) => {
      order.sent(payload);
      socket.emit('result', payload);
    },
    sessionError: (payload) => {
      if (cut && !cut.shouldSend(payload)) return;
      order.sent(payload);
      socket.emit('session-error', payload);
    },
  });
  const reportError = (code: ErrorCode, message: string) => {
    const payload = { code, message };
    order.sent(payload);
    socket.emit('session-error', payload);
  };
  const limits = options.limits ?? DEFAULT_LIMITS;
  const now = options.now ?? Date.now;
  let invalidEvents = 0;
  let ended = false;
  /** Tells the client why and disconnects it (no reconnection by itself: it must act first). */
  const disconnectWith = (code: ErrorCode, message: string) => {
    if (ended) return;
    ended = true;
    log.info('voice.disconnect.forced', { socketId: socket.id, code });
    void socket.leave(userRoom(userId));
    reportError(code, message);
    socket.disconnect(true);
  };
  /**
   * An error for an invalid event: to its ack when the client passed one, else as a `session-error` that
   * connection state recovery does not keep. Counted: too many disconnect the socket.
   */
  const refuse = (
    reply: ((response: unknown) => void) | undefined,
    error: { code: ErrorCode; message: string },
  ) => {
    if (ended) return;
    if (reply) reply({ ok: false, error });
    else {
      const payload = { code: error.code, message: error.message };
      order.sent(payload);
      emitUnretained(socket, 'session-error', payload);
    }
    invalidEvents += 1;
    if (invalidEvents >= limits.maxInvalidEvents) {
      disconnectWith(
        'TOO_MANY_INVALID_EVENTS',
        `disconnected: ${invalidEvents} invalid events (the limit per connection is ${limits.maxInvalidEvents})`,
      );
    }
  };

  const events = createTokenBucket({
    capacity: limits.maxEventsPerSecond * EVENT_BURST_SECONDS,
    perSecond: limits.maxEventsPerSecond,
  });
  // Runs for every incoming event before its handler: an event over the rate is refused, not handled.
  socket.use(([event, ...args], next) => {
    if (events.take()) {
      next();
      return;
    }
    const reply = replier(args);
    // Handlers run on the next tick: refuse on the next tick too, in the order of the events.
    process.nextTick(() =>
      refuse(reply, {
        code: 'RATE_LIMITED',
        message: `event ${JSON.stringify(String(event).slice(0, 64))} refused: more than ${limits.maxEventsPerSecond} events per second (the limit per connection)`,
      }),
    );
  });

  // The token's `exp` ends the connection (also a recovered one); the client fetches a new token.
  const expiresAt = socket.data.identity.expiresAt;
  let expiry: NodeJS.Timeout | undefined;
  const check = () => {
    if (expiresAt === undefined || !socket.connected) return;
    const left = expiresAt * 1000 - now();
    if (left <= 0) {
      disconnectWith('TOKEN_EXPIRED', 'your token has expired: get a new one and connect again');
      return;
    }
    // A timer longer than 2^31-1 ms fires at once: a far `exp` (a token signed elsewhere) is re-checked.
    expiry = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    expiry.unref();
  };
  if (expiresAt !== undefined) process.nextTick(check);

  // Handlers take `unknown`: the payload types are a promise of well-behaved clients, not of the wire.
  socket.on('start', (...args: unknown[]) => {
    const reply = replier(args);
    if (!reply) {
      refuse(undefined, {
        code: 'BAD_REQUEST',
        message: 'start needs an acknowledgement callback: emit("start", options, (ack) => …)',
      });
      return;
    }
    // `emit('start', ack)` without options is accepted as `start({}, ack)`.
    const parsed = parseStartOptions(args.length > 1 ? args[0] : undefined);
    if (!parsed.ok) {
      refuse(reply, parsed.error);
      return;
    }
    const started = cut?.starting();
    connection.start(parsed.value).then(
      (ack) => {
        started?.(ack);
        reply(ack);
      },
      (error: unknown) => {
        started?.(undefined);
        log.error('voice.start.error', { socketId: socket.id, error: toError(error) });
        reply({ ok: false, error: { code: 'INTERNAL', message: 'the session could not be started' } });
      },
    );
  });

  // `audio` needs no ack; one that asks for it gets `{ ok: true }` or the error instead of a `session-error`.
  socket.on('audio', (...args: unknown[]) => {
    const reply = replier(args);
    const parsed = parseAudioChunk(args[0]);
    if (!parsed.ok) {
      refuse(reply, parsed.error);
      return;
    }
    const accepted = connection.audio(parsed.value, reply !== undefined);
    reply?.(accepted);
  });

  socket.on('stop', (...args: unknown[]) => {
    const reply = replier(args);
    const answer = (response: unknown) => {
      const error =
        typeof response === 'object' && response !== null && 'error' in response
          ? (response as { error: { code: ErrorCode; message: string } }).error
          : undefined;
      // A `stop` with no session to stop is invalid input (counted, its notice not kept for recovery).
      if (error?.code === 'NO_SESSION') refuse(reply, error);
      else if (reply) reply(response);
      else if (error) reportError(error.code, error.message);
    };
    const stopped = cut?.stopping();
    connection.stop().then(
      (response) => {
        stopped?.();
        answer(response);
      },
      (error: unknown) => {
        stopped?.();
        log.error('voice.stop.error', { socketId: socket.id, error: toError(error) });
        answer({
          ok: false,
          error: { code: 'INTERNAL', message: 'the session could not be stopped cleanly' },
        });
      },
    );
  });

  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return;
    const reply = replier(args);
    // Socket.IO calls catch-all listeners at once but event handlers on the next tick: defer the same way
    // so errors reach the client in the order of the events that caused them.
    process.nextTick(() =>
      refuse(reply, {
        code: 'UNKNOWN_EVENT',
        message: `unknown event ${JSON.stringify(String(event).slice(0, 64))}: use start, audio, stop`,
      }),
    );
  });

  socket.on('disconnect', (reason) => {
    log.info('voice.disconnect', { socketId: socket.id, reason });
    clearTimeout(expiry);
    order.release();
    options.cutNotices?.forget(socket);
    connection.close().catch((error: unknown) => {
      log.error('voice.disconnect.error', { socketId: socket.id, error: toError(error) });
    });
  });
}

/** The acknowledgement callback Socket.IO passes as the last argument, if the client asked for one. */
function lastCallback(args: readonly unknown[]): ((response: unknown) => void) | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as (response: unknown) => void) : undefined;
}

/** A middleware error becomes CONNECT_ERROR `{ message, data: { code } }` on the wire. */
function refusal(code: ErrorCode, message: string): Error & { data: { code: ErrorCode } } {
  return Object.assign(new Error(message), { data: { code } });
}
