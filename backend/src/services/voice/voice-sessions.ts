/**
 * @module voice-sessions — live voice sessions, one live per connection, independent of Socket.IO.
 *
 * Each session's life is the state machine of `session-state.ts` (`starting → running → ending → ended`),
 * changed in one place (`apply`). A session holds its admission slot (`admission.ts`: per-user and
 * server-wide caps, the start queue) until it has ended: one still flushing after `stop` or a limit counts
 * against its connection (a new `start` is `SESSION_ACTIVE` until then), its user and the server.
 *
 * A connection starts a session, streams PCM, and stops it. Rules (SPEC §4):
 * - audio before `start` or after `stop` is reported as `NO_SESSION` (once per idle period, so a client
 *   still streaming after a limit does not get an error per chunk), never a crash;
 * - a session ends with `LIMIT_BYTES` / `LIMIT_DURATION` when it exceeds its budget; the audio inside the
 *   budget (also the part of the chunk that crosses it) is recognised, stored and announced, and the next
 *   `stop` still returns it;
 * - every finished utterance is stored before it is announced (`result` to the connection, then the
 *   `announce` callback, which the server turns into `history:new` for all of the user's connections);
 *   partials, results and an engine failure reach the sink in the order the engine reported them;
 * - a vanished connection's session is flushed (its utterances stored) and released;
 * - on server shutdown (`closeAll(notice)`) no session starts any more (`start` fails with the notice's
 *   code, also a `start` still opening its engine), every live session is flushed and stored, and its
 *   client then gets the notice as a `session-error` so it knows why the session ended before its
 *   transport is closed. `closeAll` also waits for the sessions already ending (a client's `stop`, a
 *   vanished client's flush): none is still storing when the database closes.
 */
import { randomUUID } from 'node:crypto';
import type {
  ErrorCode,
  StartAck,
  StartOptions,
  StopAck,
  TranscriptRecord,
  VoiceError,
} from '@realtime-voice/shared/voice';
import type { TranscriptRepository } from '../../db/transcript-repository';
import { CodedError, errorCode } from '../../errors';
import type { Logger } from '../../log';
import type { EngineRegistry } from '../../speech';
import { createTokenBucket } from '../token-bucket';
import { type Admission, createAdmission, type Slot } from './admission';
import { chooseEngine } from './engine-choice';
import {
  type EndReason,
  isLive,
  type SessionEvent,
  type SessionState,
  startingState,
  transition,
} from './session-state';
import { Transcription } from './transcription';

/** Where a connection's session events go (the Socket.IO layer implements it). */
export interface VoiceSink {
  partial(payload: { readonly sessionId: string; readonly text: string }): void;
  result(payload: { readonly sessionId: string; readonly record: TranscriptRecord }): void;
  sessionError(payload: VoiceError & { readonly sessionId?: string }): void;
}

export interface VoiceLimits {
  readonly maxDurationMs: number;
  readonly maxBytes: number;
  /**
   * Audio a connection may send per second on average (bytes; 32,000 is real time for 16 kHz PCM); more
   * ends its session with `LIMIT_RATE`. Undefined = unbounded.
   */
  readonly audioBytesPerSecond?: number;
  /** Audio a connection may send at once above that rate (e.g. a reconnect replaying its buffer). */
  readonly audioBurstBytes?: number;
}

export interface VoiceSessionsOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  readonly limits: VoiceLimits;
  /** A record was stored: tell every connection of its user. */
  readonly announce: (record: TranscriptRecord) => void;
  readonly logger: Logger;
  /** Caps and the start queue shared with uploads (default: no caps). */
  readonly admission?: Admission;
}

/** What `audio` answers a client that asked for an acknowledgement. */
export type AudioAck = { readonly ok: true } | { readonly ok: false; readonly error: VoiceError };

export interface VoiceConnection {
  start(options: StartOptions): Promise<StartAck>;
  /**
   * Feeds a chunk to the active session. Without one it answers `NO_SESSION`, and also reports it as a
   * `session-error` (once per idle period) unless `answered`: the caller passes the answer on itself.
   */
  audio(chunk: Uint8Array, answered?: boolean): AudioAck;
  stop(): Promise<StopAck>;
  /**
   * The client went away, or the server is shutting down: finish (store) and release its session. With a
   * `notice`, a client whose session was cut gets it as a `session-error` once its results went out.
   * Idempotent: a repeated call returns the first call's promise (and its notice stands).
   */
  close(notice?: VoiceError): Promise<void>;
}

export interface VoiceSessions {
  connect(userId: string): (sink: VoiceSink) => VoiceConnection;
  /** Live sessions: starting, running, or still flushing their last utterance. */
  readonly activeCount: number;
  /**
   * Server shutdown: refuse new sessions from now on (with `notice`), finish (store) every live one, and
   * tell each client whose session was cut. Resolves once every session has ended, also those that were
   * already ending (a `stop` flushing, a vanished client's flush) and the `stop` answers they owe.
   */
  closeAll(notice?: VoiceError): Promise<void>;
}

/** A voice session; its life is the state machine of `session-state.ts`. */
interface Session {
  readonly id: string;
  state: SessionState<Transcription>;
  bytes: number;
  /** Its place in the admission count, held until the session has ended. */
  readonly slot: Slot;
  /** Aborted when the session ends before its engine stream exists: a queued creation is skipped. */
  readonly abort: AbortController;
  /** Resolves to the run, or undefined when it could not start. */
  opened: Promise<Transcription | undefined>;
  timer: NodeJS.Timeout | undefined;
  /** Set on entering `ending`: resolves to its stored records once it has ended. */
  done: Promise<readonly TranscriptRecord[]> | undefined;
  /** A `stop` has collected it (or it ended by `stop`): a further `stop` finds no session. */
  stopped: boolean;
}

/** Admits everything (tests and tools that need no caps). */
const UNLIMITED = createAdmission({
  maxSessions: Number.MAX_SAFE_INTEGER,
  maxSessionsPerUser: Number.MAX_SAFE_INTEGER,
  maxStarting: Number.MAX_SAFE_INTEGER,
});

/**
 * @example
 * const sessions = createVoiceSessions({ engines, repository, limits, announce, logger, admission });
 * const connection = sessions.connect(userId)(sink);
 * const ack = await connection.start({ sampleRate: 16000 });
 */
export function createVoiceSessions(options: VoiceSessionsOptions): VoiceSessions {
  const admission = options.admission ?? UNLIMITED;
  const connections = new Set<VoiceConnection>();
  /** Every live session (starting, running or ending): the counts are derived from it. */
  const live = new Set<Session>();
  /**
   * Work a shutdown must wait for beyond the live connections: every session's end (flush and stores) and
   * every `stop` answer, wherever it began. Each entry removes itself when settled.
   */
  const finishing = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    finishing.add(work);
    const untrack = () => finishing.delete(work);
    work.then(untrack, untrack);
    return work;
  };
  /** Set by `closeAll`: why new sessions are refused. */
  let shutdown: VoiceError | undefined;
  /** Read after an `await` (TypeScript keeps the narrowing from before it). */
  const shutdownNotice = (): VoiceError | undefined => shutdown;

  const connect =
    (userId: string) =>
    (sink: VoiceSink): VoiceConnection => {
      const log = options.logger.child({ userId });
      /** The connection's session: live, or ended by a limit or failure and kept for the next `stop`. */
      let current: Session | undefined;
      let noSessionReported = false;
      let closed = false;
      let closing: Promise<void> | undefined;
      const { audioBytesPerSecond, audioBurstBytes } = options.limits;
      const audioRate =
        audioBytesPerSecond === undefined
          ? undefined
          : createTokenBucket({
              capacity: audioBurstBytes ?? audioBytesPerSecond,
              perSecond: audioBytesPerSecond,
            });

      /**
       * The one place a session changes state; the effects of entering each state follow the transition.
       * Returns whether the event applied.
       */
      const apply = (session: Session, event: SessionEvent<Transcription>): boolean => {
        const previous = session.state;
        const next = transition(previous, event);
        if (next === previous) return false;
        session.state = next;
        switch (next.phase) {
          case 'starting':
            break;
          case 'running': {
            const { run } = next;
            session.slot.started();
            // Audio that arrived while the engine stream was being created, in order.
            if (previous.phase === 'starting') for (const chunk of previous.pending) run.write(chunk);
            session.timer = setTimeout(() => {
              sink.sessionError({
                sessionId: session.id,
                code: 'LIMIT_DURATION',
                message: `session ended: longer than ${options.limits.maxDurationMs / 1000} s (the limit per session)`,
              });
              endSession(session, 'limit');
            }, options.limits.maxDurationMs);
            session.timer.unref();
            break;
          }
          case 'ending': {
            clearTimeout(session.timer);
            const reason = next.reason;
            // A client that went away before its engine stream existed, having sent no audio, has nothing
            // to store: a creation still queued for it is skipped (a start-and-disconnect flood costs no
            // model loads). One that sent audio gets it recognised and stored, as any vanished client.
            if (reason === 'disconnect' && previous.phase === 'starting' && previous.pending.length === 0) {
              session.abort.abort();
            }
            if (reason === 'stop' || reason === 'disconnect') session.stopped = true;
            // Ended before its engine stream existed: the audio buffered meanwhile goes in once it does.
            const unsent = previous.phase === 'starting' ? previous.pending : [];
            session.done = track(
              (async () => {
                const run = await session.opened;
                for (const chunk of unsent) run?.write(chunk);
                let records: readonly TranscriptRecord[] = [];
                try {
                  records = run ? await run.finish() : [];
                } finally {
                  apply(session, { type: 'flushed' });
                }
                log.info('voice.session.end', {
                  sessionId: session.id,
                  reason,
                  audioMs: run?.audioMs ?? 0,
                  records: records.length,
                });
                return records;
              })(),
            );
            break;
          }
          case 'ended':
            live.delete(session);
            session.slot.release();
            break;
        }
        return true;
      };
      const endSession = (session: Session, reason: EndReason): Promise<readonly TranscriptRecord[]> => {
        apply(session, { type: 'end', reason });
        return session.done ?? Promise.resolve([]);
      };

      const write = (session: Session, chunk: Uint8Array): void => {
        if (session.state.phase === 'running') session.state.run.write(chunk);
        else apply(session, { type: 'audio', chunk });
      };

      const feed = (session: Session, chunk: Uint8Array): void => {
        if (audioRate && !audioRate.take(chunk.byteLength)) {
          sink.sessionError({
            sessionId: session.id,
            code: 'LIMIT_RATE',
            message: `session ended: audio arrived faster than ${options.limits.audioBytesPerSecond} bytes/s for too long (the limit per connection); the audio before it is kept`,
          });
          endSession(session, 'limit');
          return;
        }
        const { maxBytes } = options.limits;
        if (session.bytes + chunk.byteLength <= maxBytes) {
          session.bytes += chunk.byteLength;
          write(session, chunk);
          return;
        }
        // The part of the chunk inside the budget (whole 16-bit samples) is still recognised, as in mp3
        // sessions (`Transcription` feeds exactly the decoded budget); the rest is dropped.
        const budget = maxBytes - (maxBytes % 2);
        const inside = chunk.subarray(0, Math.max(0, budget - session.bytes));
        session.bytes += inside.byteLength;
        if (inside.byteLength > 0) write(session, inside);
        sink.sessionError({
          sessionId: session.id,
          code: 'LIMIT_BYTES',
          message: `session ended: more than ${maxBytes} bytes of audio (the limit per session)`,
        });
        endSession(session, 'limit');
      };

      const connection: VoiceConnection = {
        async start(startOptions) {
          if (shutdown) return failure(shutdown.code, shutdown.message);
          if (closed) return failure('CLOSED', 'the connection is closing');
          if (current && isLive(current.state)) {
            return current.state.phase === 'ending'
              ? failure(
                  'SESSION_ACTIVE',
                  `the previous session (${current.id}) is still finishing: wait for its stop answer`,
                )
              : failure('SESSION_ACTIVE', `a session is already active (${current.id}): stop it first`);
          }
          let choice: ReturnType<typeof chooseEngine>;
          try {
            choice = chooseEngine(options.engines, startOptions);
          } catch (error) {
            return failureFrom(error);
          }
          const admitted = admission.admit(userId);
          if (!admitted.ok) {
            log.info('voice.session.refused', { code: admitted.error.code });
            return { ok: false, error: admitted.error };
          }
          const session: Session = {
            id: randomUUID(),
            state: startingState(),
            bytes: 0,
            slot: admitted.slot,
            abort: new AbortController(),
            opened: Promise.resolve(undefined),
            timer: undefined,
            done: undefined,
            stopped: false,
          };
          live.add(session);
          current = session;
          noSessionReported = false;

          let openError: unknown;
          session.opened = Transcription.open({
            engine: choice.engine,
            language: choice.language,
            userId,
            sessionId: session.id,
            repository: options.repository,
            // mp3 (issue 7): decoded before the engine; the byte budget also bounds the decoded audio.
            ...(startOptions.format === undefined ? {} : { format: startOptions.format }),
            maxPcmBytes: options.limits.maxBytes,
            logger: log,
            signal: session.abort.signal,
            hooks: {
              onPartial: (text) => sink.partial({ sessionId: session.id, text }),
              onStored: (record) => {
                sink.result({ sessionId: session.id, record });
                options.announce(record);
              },
              onFailure: (error) => {
                log.warn('voice.session.failed', { sessionId: session.id, error });
                sink.sessionError({
                  sessionId: session.id,
                  code: errorCode(error) ?? 'ENGINE_FAILED',
                  message: `session ended: ${error.message}`,
                });
                endSession(session, 'failure');
              },
              // mp3 (issue 7): too much decoded audio ends the session like the byte limit on PCM.
              onLimit: (error) => {
                sink.sessionError({
                  sessionId: session.id,
                  code: error.code,
                  message: `session ended: ${error.message}`,
                });
                endSession(session, 'limit');
              },
            },
          }).catch((error: unknown) => {
            openError = error;
            return undefined;
          });

          const run = await session.opened;
          if (run) {
            apply(session, { type: 'opened', run });
            log.info('voice.session.start', { sessionId: session.id, engine: choice.engine.name });
          } else {
            // Ended meanwhile (disconnect, shutdown)? Then its ending did the bookkeeping.
            apply(session, { type: 'open-failed' });
            if (current === session && session.state.phase === 'ended') current = undefined;
            log.warn('voice.session.start_failed', { sessionId: session.id, error: openError });
          }
          // Ended while the engine opened: a shutdown says so with its own code (the client reconnects
          // elsewhere), a closing connection with CLOSED.
          const notice = shutdownNotice();
          if (notice) return failure(notice.code, notice.message);
          if (closed) return failure('CLOSED', 'the connection is closing');
          if (!run) return failureFrom(openError);
          return { ok: true, sessionId: session.id };
        },

        audio(chunk, answered = false) {
          if (closed) return failure('CLOSED', 'the connection is closing');
          const session = current;
          if (!session || (session.state.phase !== 'starting' && session.state.phase !== 'running')) {
            const message =
              'audio without an active session: call start first (further audio is ignored silently)';
            if (!answered && !noSessionReported) {
              noSessionReported = true;
              sink.sessionError({ code: 'NO_SESSION', message });
            }
            return failure('NO_SESSION', message);
          }
          if (chunk.byteLength > 0) feed(session, chunk);
          return { ok: true };
        },

        stop() {
          const session = current;
          if (!session || session.stopped)
            return Promise.resolve(failure('NO_SESSION', 'no session to stop'));
          // Keep reporting stray audio from now on (the session is over).
          noSessionReported = false;
          session.stopped = true;
          // Tracked up to the answer: a shutdown meanwhile waits until the caller can send it.
          return track(endSession(session, 'stop').then((records): StopAck => ({ ok: true, records })));
        },

        close(notice) {
          closing ??= (async () => {
            closed = true;
            connections.delete(connection);
            const session = current;
            const cut =
              session && (session.state.phase === 'starting' || session.state.phase === 'running')
                ? session
                : undefined;
            current = undefined;
            if (session) await endSession(session, 'disconnect');
            // After the flush: its results reached the client first, then why the session ended.
            if (notice && cut) sink.sessionError({ sessionId: cut.id, ...notice });
          })();
          return closing;
        },
      };
      connections.add(connection);
      return connection;
    };

  return {
    connect,
    get activeCount() {
      return live.size;
    },
    async closeAll(notice) {
      shutdown ??= notice ?? { code: 'SERVER_CLOSING', message: 'the server is shutting down' };
      // Settled, not all: one connection failing must not end the wait while the others still flush.
      const closed = await Promise.allSettled([
        ...[...connections].map((connection) => connection.close(notice)),
        // Sessions that were already ending (a `stop`, a vanished client) are in no open connection.
        ...finishing,
      ]);
      for (const result of closed) {
        if (result.status === 'rejected') {
          options.logger.error('voice.shutdown.close_failed', { error: String(result.reason) });
        }
      }
    },
  };
}

function failure(code: ErrorCode, message: string): { ok: false; error: VoiceError } {
  return { ok: false, error: { code, message } };
}

function failureFrom(error: unknown): { ok: false; error: VoiceError } {
  if (error instanceof CodedError) return failure(error.code, error.message);
  const code = errorCode(error);
  // Engine errors carry messages written for people (e.g. which Debian package to install).
  if (code !== undefined && error instanceof Error) return failure(code, error.message);
  return failure('ENGINE_FAILED', 'the speech engine could not start a session');
}
