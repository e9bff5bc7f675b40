/**
 * @module errors — the one error type speech code throws or reports, with a stable machine-readable code.
 *
 * The server turns `code` + `message` into `{ code, message }` for clients as they are, so messages are
 * written for the person running the server (what is wrong, what to do), never with stack traces or paths
 * a client should not see beyond what helps to fix the install.
 */

/** Codes speech code produces; the server maps them to HTTP statuses or `session-error`s. */
export type SpeechErrorCode =
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_FAILED'
  /** The engine refused a new stream for now (a cloud concurrency limit); trying later can work. */
  | 'ENGINE_BUSY'
  /** The engine (or the service behind it) did not answer in time. */
  | 'ENGINE_TIMEOUT'
  /** Still verifying or loading its model; `status()` turns ready (or says why not) shortly. */
  | 'ENGINE_LOADING'
  | 'ENGINE_CLOSED'
  /** `createStream`'s signal aborted before the stream was created (nothing was created). */
  | 'ABORTED'
  | 'UNKNOWN_ENGINE'
  /** Two engines with one name given to the registry (a programming mistake, found at start). */
  | 'ENGINE_REGISTERED_TWICE'
  | 'UNSUPPORTED_SAMPLE_RATE'
  | 'UNSUPPORTED_LANGUAGE'
  | 'WAV_NOT_RIFF'
  | 'WAV_TRUNCATED'
  | 'WAV_NO_DATA'
  | 'WAV_UNSUPPORTED_FORMAT';

/**
 * An error with a stable `code`.
 *
 * @example
 * throw new SpeechError('ENGINE_UNAVAILABLE', 'pocketsphinx is not installed: apt-get install …');
 */
export class SpeechError extends Error {
  readonly code: SpeechErrorCode;

  constructor(code: SpeechErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpeechError';
    this.code = code;
  }
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
