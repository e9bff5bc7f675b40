/**
 * @module errors — the one error type speech code throws or reports, with a stable machine-readable code.
 *
 * The server turns `code` + `message` into `{ code, message }` for clients as they are, so messages are
 * written for the person running the server (what is wrong, what to do), never with stack traces or paths
 * a client should not see beyond what helps to fix the install.
 */
import type { ErrorCode } from '@realtime-voice/shared/voice';
import { CodedError } from '../errors';

/** Codes speech code produces (a part of the shared catalogue); the server maps them to HTTP statuses or
 * `session-error`s. ENGINE_BUSY: the engine refused a new stream for now (a cloud concurrency limit);
 * ENGINE_TIMEOUT: the engine (or its service) did not answer in time; ENGINE_LOADING: still verifying or
 * loading its model; ABORTED: `createStream`'s signal aborted before the stream was created (nothing was);
 * ENGINE_REGISTERED_TWICE: two engines with one name given to the registry (found at start). */
export type SpeechErrorCode = Extract<
  ErrorCode,
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_FAILED'
  | 'ENGINE_BUSY'
  | 'ENGINE_TIMEOUT'
  | 'ENGINE_LOADING'
  | 'ENGINE_CLOSED'
  | 'ABORTED'
  | 'UNKNOWN_ENGINE'
  | 'ENGINE_REGISTERED_TWICE'
  | 'UNSUPPORTED_SAMPLE_RATE'
  | 'UNSUPPORTED_LANGUAGE'
  | 'WAV_NOT_RIFF'
  | 'WAV_TRUNCATED'
  | 'WAV_NO_DATA'
  | 'WAV_UNSUPPORTED_FORMAT'
>;

/**
 * An error with a stable `code` (a `CodedError` limited to the speech codes).
 *
 * @example
 * throw new SpeechError('ENGINE_UNAVAILABLE', 'pocketsphinx is not installed: apt-get install …');
 */
export class SpeechError extends CodedError<SpeechErrorCode> {
  override name = 'SpeechError';
}

/** Narrows an unknown thrown value to a `SpeechError`. */
export function isSpeechError(value: unknown): value is SpeechError {
  return value instanceof SpeechError;
}

/** The error `createStream` rejects with when its signal aborted first. */
export function abortedError(): SpeechError {
  return new SpeechError(
    'ABORTED',
    'the stream was no longer wanted (its caller went away) and was not created',
  );
}
