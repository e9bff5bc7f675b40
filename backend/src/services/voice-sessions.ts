/**
 * @module voice-sessions — live voice sessions, one active per connection, independent of Socket.IO.
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
  StartAck,
  StartOptions,
  StopAck,
  TranscriptRecord,
  VoiceError,
} from '@realtime-voice/shared/voice';
import type { TranscriptRepository } from '../db/transcript-repository';
import type { Logger } from '../log';
import type { EngineRegistry } from '../speech';
import { chooseEngine } from './engine-choice';
import { errorCode, ServiceError } from './errors';
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
}

export interface VoiceSessionsOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  readonly limits: VoiceLimits;
  /** A record was stored: tell every connection of its user. */
  readonly announce: (record: TranscriptRecord) => void;
  readonly logger: Logger;
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
  /** Sessions currently starting or running. */
  readonly activeCount: number;
  /**
   * Server shutdown: refuse new sessions from now on (with `notice`), finish (store) every live one, and
   * tell each client whose session was cut. Resolves once every session has ended, also those that were
   * already ending (a `stop` flushing, a vanished client's flush) and the `stop` answers they owe.
   */
  closeAll(notice?: VoiceError): Promise<void>;
}

type EndReason = 'stop' | 'limit' | 'failure' | 'disconnect';

interface Session {
  readonly id: string;
  state: 'starting' | 'running' | 'ending';
  bytes: number;
  /** Audio that arrived while the engine stream was being created. */
  pending: Uint8Array[];
  /** Resolves to the run, or undefined when it could not start. */
  opened: Promise<Transcription | undefined>;
  /** Set once `opened` resolved to a run. */
  run: Transcription | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Set once the session ends: resolves to its stored records. */
  done: Promise<readonly TranscriptRecord[]> | undefined;
}

/**
 * @example
 * const sessions = createVoiceSessions({ engines, repository, limits, announce, logger });
 * const connection = sessions.connect(userId)(sink);
 * const ack = await connection.start({ sampleRate: 16000 });
 */
export function createVoiceSessions(options: VoiceSessionsOptions): VoiceSessions {
  const connections = new Set<VoiceConnection>();
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
  let active = 0;
  /** Set by `closeAll`: why new sessions are refused. */
  let shutdown: VoiceError | undefined;
  /** Read after an `await` (TypeScript keeps the narrowing from before it). */
  const shutdownNotice = (): VoiceError | undefined => shutdown;

  const connect =
    (userId: string) =>
    (sink: VoiceSink): VoiceConnection => {
      const log = options.logger.child({ userId });
      let current: Session | undefined;
      /** A session ended by a limit or a failure, kept so the client's next `stop` can still collect it. */
      let ended: Session | undefined;
      let noSessionReported = false;
      let closed = false;
      let closing: Promise<void> | undefined;

      const endSession = (session: Session, reason: EndReason): Promise<readonly TranscriptRecord[]> => {
        if (session.done) return session.done;
        session.state = 'ending';
        clearTimeout(session.timer);
        if (current === session) current = undefined;
        if (reason !== 'stop' && reason !== 'disconnect') ended = session;
        session.done = (async () => {
          const run = await session.opened;
          let records: readonly TranscriptRecord[] = [];
          try {
            records = run ? await run.finish() : [];
          } finally {
            active -= 1;
          }
          log.info('voice.session.end', {
            sessionId: session.id,
            reason,
            audioMs: run?.audioMs ?? 0,
            records: records.length,
          });
          return records;
        })();
        return track(session.done);
      };

      const write = (session: Session, chunk: Uint8Array): void => {
        if (session.run) session.run.write(chunk);
        else session.pending.push(chunk);
      };

      const feed = (session: Session, chunk: Uint8Array): void => {
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
        void endSession(session, 'limit');
      };

      const connection: VoiceConnection = {
        async start(startOptions) {
          if (shutdown) return failure(shutdown.code, shutdown.message);
          if (closed) return failure('CLOSED', 'the connection is closing');
          if (current) {
            return failure('SESSION_ACTIVE', `a session is already active (${current.id}): stop it first`);
          }
          let choice: ReturnType<typeof chooseEngine>;
          try {
            choice = chooseEngine(options.engines, startOptions);
          } catch (error) {
            return failureFrom(error);
          }
          const session: Session = {
            id: randomUUID(),
            state: 'starting',
            bytes: 0,
            pending: [],
            opened: Promise.resolve(undefined),
            run: undefined,
            timer: undefined,
            done: undefined,
          };
          current = session;
          ended = undefined;
          noSessionReported = false;
          active += 1;

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
                  code: error.code ?? 'ENGINE_FAILED',
                  message: `session ended: ${error.message}`,
                });
                void endSession(session, 'failure');
              },
              // mp3 (issue 7): too much decoded audio ends the session like the byte limit on PCM.
              onLimit: (error) => {
                sink.sessionError({
                  sessionId: session.id,
                  code: error.code,
                  message: `session ended: ${error.message}`,
                });
                void endSession(session, 'limit');
              },
            },
          }).catch((error: unknown) => {
            openError = error;
            return undefined;
          });

          const run = await session.opened;
          if (!run) {
            if (current === session) current = undefined;
            if (ended === session) ended = undefined;
            // Already ended meanwhile (disconnect, limit)? Then endSession did the bookkeeping.
            if (!session.done) {
              session.state = 'ending';
              session.done = Promise.resolve([]);
              active -= 1;
            }
            log.warn('voice.session.start_failed', { sessionId: session.id, error: openError });
            return failureFrom(openError);
          }
          session.run = run;
          for (const chunk of session.pending) run.write(chunk);
          session.pending = [];
          if (session.state === 'starting') {
            session.state = 'running';
            session.timer = setTimeout(() => {
              sink.sessionError({
                sessionId: session.id,
                code: 'LIMIT_DURATION',
                message: `session ended: longer than ${options.limits.maxDurationMs / 1000} s (the limit per session)`,
              });
              void endSession(session, 'limit');
            }, options.limits.maxDurationMs);
            session.timer.unref();
          }
          log.info('voice.session.start', { sessionId: session.id, engine: choice.engine.name });
          // Ended while the engine opened: a shutdown says so with its own code (the client reconnects
          // elsewhere), a closing connection with CLOSED.
          const notice = shutdownNotice();
          if (notice) return failure(notice.code, notice.message);
          if (closed) return failure('CLOSED', 'the connection is closing');
          return { ok: true, sessionId: session.id };
        },

        audio(chunk, answered = false) {
          if (closed) return failure('CLOSED', 'the connection is closing');
          const session = current;
          if (!session) {
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
          const session = current ?? ended;
          if (!session) return Promise.resolve(failure('NO_SESSION', 'no session to stop'));
          // Keep reporting stray audio from now on (the session is over).
          noSessionReported = false;
          ended = undefined;
          // Tracked up to the answer: a shutdown meanwhile waits until the caller can send it.
          return track(endSession(session, 'stop').then((records): StopAck => ({ ok: true, records })));
        },

        close(notice) {
          closing ??= (async () => {
            closed = true;
            connections.delete(connection);
            const pending = [current, ended].filter((s): s is Session => s !== undefined);
            const cut = current;
            current = undefined;
            ended = undefined;
            await Promise.all(pending.map((session) => endSession(session, 'disconnect')));
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
      return active;
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

function failure(code: string, message: string): { ok: false; error: VoiceError } {
  return { ok: false, error: { code, message } };
}

function failureFrom(error: unknown): { ok: false; error: VoiceError } {
  if (error instanceof ServiceError) return failure(error.code, error.message);
  const code = errorCode(error);
  // Engine errors carry messages written for people (e.g. which Debian package to install).
  if (code !== undefined && error instanceof Error) return failure(code, error.message);
  return failure('ENGINE_FAILED', 'the speech engine could not start a session');
}
