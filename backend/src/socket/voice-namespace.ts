/**
 * @module voice-namespace — the `/realtime-voice` Socket.IO namespace: authenticates connections with the
 * same identity rules as HTTP, validates every event's payload, and hands valid ones to the voice session
 * service. Nothing a client sends can throw out of a handler: bad input gets an ack error (when the client
 * passed an ack callback, whatever the event) or else a `session-error` with a code. Every ack is answered,
 * and never before the events emitted to the socket before it (`ack-order.ts`).
 */
import type {
  TranscriptRecord,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import type { Namespace, Server, Socket } from 'socket.io';
import type { Logger } from '../log';
import { bearerToken, type Identity, type IdentityService } from '../services/identity';
import { parseAudioChunk, parseStartOptions } from '../services/voice-input';
import type { VoiceSessions } from '../services/voice-sessions';
import { createAckOrder } from './ack-order';
import type { CutNoticeRegistry } from './cut-notice';

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

export interface VoiceNamespaceOptions {
  readonly identity: IdentityService;
  readonly sessions: VoiceSessions;
  readonly logger: Logger;
  /** Tracks which connections are in a session, for a shutdown whose flush overran (`cut-notice.ts`). */
  readonly cutNotices?: CutNoticeRegistry;
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
    // Same rule as HTTP: a malformed Authorization header is refused, never ignored.
    const token = rawToken ?? bearerToken(header('authorization'));
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
        log.error('voice.connect.error', { error: error instanceof Error ? error : String(error) });
        next(refusal('INTERNAL', 'the server could not check your identity'));
      });
  });

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
  const reportError = (code: string, message: string) => {
    const payload = { code, message };
    order.sent(payload);
    socket.emit('session-error', payload);
  };
  /** An error for an event: to its ack when the client passed one, else as a `session-error`. */
  const refuse = (
    reply: ((response: unknown) => void) | undefined,
    error: { code: string; message: string },
  ) => {
    if (reply) reply({ ok: false, error });
    else reportError(error.code, error.message);
  };

  // Handlers take `unknown`: the payload types are a promise of well-behaved clients, not of the wire.
  socket.on('start', (...args: unknown[]) => {
    const reply = replier(args);
    if (!reply) {
      reportError(
        'BAD_REQUEST',
        'start needs an acknowledgement callback: emit("start", options, (ack) => …)',
      );
      return;
    }
    // `emit('start', ack)` without options is accepted as `start({}, ack)`.
    const parsed = parseStartOptions(args.length > 1 ? args[0] : undefined);
    if (!parsed.ok) {
      reply({ ok: false, error: parsed.error });
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
        log.error('voice.start.error', { socketId: socket.id, error: asError(error) });
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
      if (reply) reply(response);
      else if (typeof response === 'object' && response !== null && 'error' in response) {
        const { error } = response as { error: { code: string; message: string } };
        reportError(error.code, error.message);
      }
    };
    const stopped = cut?.stopping();
    connection.stop().then(
      (response) => {
        stopped?.();
        answer(response);
      },
      (error: unknown) => {
        stopped?.();
        log.error('voice.stop.error', { socketId: socket.id, error: asError(error) });
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
    order.release();
    options.cutNotices?.forget(socket);
    connection.close().catch((error: unknown) => {
      log.error('voice.disconnect.error', { socketId: socket.id, error: asError(error) });
    });
  });
}

/** The acknowledgement callback Socket.IO passes as the last argument, if the client asked for one. */
function lastCallback(args: readonly unknown[]): ((response: unknown) => void) | undefined {
  const last = args.at(-1);
  return typeof last === 'function' ? (last as (response: unknown) => void) : undefined;
}

/** A middleware error becomes CONNECT_ERROR `{ message, data: { code } }` on the wire. */
function refusal(code: string, message: string): Error & { data: { code: string } } {
  return Object.assign(new Error(message), { data: { code } });
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
