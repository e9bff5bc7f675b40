/**
 * @module errors — the one coded error the backend throws, and the one way to turn a thrown value into an
 * Error or a message.
 *
 * Every code comes from the shared catalogue (`ERROR_CATALOGUE`), which also gives its kind and HTTP status;
 * `ServiceError`, `SpeechError` and `AudioFormatError` are thin subclasses kept for their names (logs) and
 * their narrower code sets (decision 0007).
 */
import { ERROR_CATALOGUE, type ErrorCode, type ErrorKind, isErrorCode } from '@realtime-voice/shared/voice';

export interface CodedErrorOptions {
  readonly cause?: unknown;
  /**
   * Overrides the catalogue's kind where one code means two things: an engine code at stream creation is
   * `unavailable` (503), the same code after recognition ran is `internal` (500).
   */
  readonly kind?: ErrorKind;
}

/** An error with a catalogue code; `message` is safe to send to the caller. */
export class CodedError<Code extends ErrorCode = ErrorCode> extends Error {
  override name = 'CodedError';
  readonly code: Code;
  readonly kind: ErrorKind;
  constructor(code: Code, message: string, options?: CodedErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options?.kind ?? ERROR_CATALOGUE[code].kind;
  }
}

/** Reads a catalogue `code` from any thrown value (engines and test doubles attach one); else undefined. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return isErrorCode(code) ? code : undefined;
}

/** Any thrown value as an Error (a string or object thrown becomes the message). */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The message of any thrown value. */
export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
