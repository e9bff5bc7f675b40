/**
 * @module errors — the error services raise: a stable `code` and a message safe to show to the caller.
 *
 * `kind` says what went wrong in transport-neutral terms; the HTTP layer maps it to a status and the
 * Socket.IO layer sends `{ code, message }` in an ack or `session-error`.
 */

export type ServiceErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unsupported-media'
  | 'too-large'
  /** The caller holds too much at once (e.g. live sessions over its cap): try again when one ended. */
  | 'too-many'
  | 'unavailable'
  | 'internal';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: string;
  readonly kind: ServiceErrorKind;
  constructor(kind: ServiceErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

/** Reads `code` from any thrown value (engines and the WAV parser attach one). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}
