/**
 * @module errors — every error code the server can send, once: in acks, `session-error`, CONNECT_ERROR
 * `data.code` and HTTP error bodies.
 *
 * Each code has a `kind` (what went wrong, transport-neutral) and the HTTP `status` of that kind. The backend
 * throws only these codes (its `CodedError` takes an `ErrorCode`), its HTTP layer reads the status from here,
 * the app has words for each (`frontend/src/locale/strings.ts` is checked against `ErrorCode`), and
 * `docs/backend.md`'s table of codes is tested against this object. The client library's own codes
 * (`ClientErrorCode` in `socket.io-miniprogram`) are not here: the client knows no voice contract.
 */

/** What went wrong, in transport-neutral terms, with the HTTP status each kind answers with. */
export const ERROR_KIND_STATUS = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media': 415,
  /** The caller holds or sends too much at once (sessions over its cap, events over its rate). */
  'too-many': 429,
  internal: 500,
  /** The server cannot serve this now (engine missing, loading or full; shutting down): try later. */
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_KIND_STATUS;

/** One catalogue entry: a kind and its status (a mismatched pair does not compile). */
export type ErrorSpec = {
  [K in ErrorKind]: { readonly kind: K; readonly status: (typeof ERROR_KIND_STATUS)[K] };
}[ErrorKind];

/** Every code the server sends. Where and why each occurs: the table in docs/backend.md. */
export const ERROR_CATALOGUE = {
  // bad input
  BAD_REQUEST: { status: 400, kind: 'invalid' },
  BAD_AUDIO: { status: 400, kind: 'invalid' },
  UNKNOWN_EVENT: { status: 400, kind: 'invalid' },
  BAD_LIMIT: { status: 400, kind: 'invalid' },
  BAD_CURSOR: { status: 400, kind: 'invalid' },
  BAD_DAYS: { status: 400, kind: 'invalid' },
  BAD_TZ: { status: 400, kind: 'invalid' },
  EMPTY_AUDIO: { status: 400, kind: 'invalid' },
  UNSUPPORTED_SAMPLE_RATE: { status: 400, kind: 'invalid' },
  UNSUPPORTED_LANGUAGE: { status: 400, kind: 'invalid' },
  UNKNOWN_ENGINE: { status: 400, kind: 'invalid' },
  WAV_NOT_RIFF: { status: 400, kind: 'invalid' },
  WAV_TRUNCATED: { status: 400, kind: 'invalid' },
  WAV_NO_DATA: { status: 400, kind: 'invalid' },
  MP3_INVALID: { status: 400, kind: 'invalid' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, kind: 'unsupported-media' },
  WAV_UNSUPPORTED_FORMAT: { status: 415, kind: 'unsupported-media' },
  PAYLOAD_TOO_LARGE: { status: 413, kind: 'too-large' },
  AUDIO_TOO_LONG: { status: 413, kind: 'too-large' },
  // session state
  NO_SESSION: { status: 409, kind: 'conflict' },
  SESSION_ACTIVE: { status: 409, kind: 'conflict' },
  NOT_FOUND: { status: 404, kind: 'not-found' },
  // identity
  UNAUTHENTICATED: { status: 401, kind: 'unauthenticated' },
  TOKEN_INVALID: { status: 401, kind: 'unauthenticated' },
  TOKEN_EXPIRED: { status: 401, kind: 'unauthenticated' },
  TOKEN_UNSUPPORTED: { status: 401, kind: 'unauthenticated' },
  TOKEN_FORBIDDEN: { status: 403, kind: 'forbidden' },
  TOKENS_DISABLED: { status: 404, kind: 'not-found' },
  NAMESPACE_REFUSED: { status: 403, kind: 'forbidden' },
  // limits (issue 12)
  LIMIT_SESSIONS: { status: 429, kind: 'too-many' },
  LIMIT_RATE: { status: 429, kind: 'too-many' },
  RATE_LIMITED: { status: 429, kind: 'too-many' },
  TOO_MANY_INVALID_EVENTS: { status: 429, kind: 'too-many' },
  LIMIT_BYTES: { status: 413, kind: 'too-large' },
  LIMIT_DURATION: { status: 413, kind: 'too-large' },
  // engines and the server
  ENGINE_UNAVAILABLE: { status: 503, kind: 'unavailable' },
  ENGINE_LOADING: { status: 503, kind: 'unavailable' },
  ENGINE_BUSY: { status: 503, kind: 'unavailable' },
  ENGINE_TIMEOUT: { status: 503, kind: 'unavailable' },
  ENGINE_CLOSED: { status: 503, kind: 'unavailable' },
  SERVER_RESTARTING: { status: 503, kind: 'unavailable' },
  SERVER_CLOSING: { status: 503, kind: 'unavailable' },
  CLOSED: { status: 503, kind: 'unavailable' },
  ENGINE_FAILED: { status: 500, kind: 'internal' },
  STORAGE_FAILED: { status: 500, kind: 'internal' },
  RESAMPLER_FAILED: { status: 500, kind: 'internal' },
  INTERNAL: { status: 500, kind: 'internal' },
  /** `createStream`'s signal aborted first: nobody is waiting for the answer (never reaches a live client). */
  ABORTED: { status: 500, kind: 'internal' },
  /** Two engines with one name (a programming mistake, found at start). */
  ENGINE_REGISTERED_TWICE: { status: 500, kind: 'internal' },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

/** A code the server can send. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code, in catalogue order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

/** True when `value` is a code of the catalogue (e.g. a `code` read off something thrown). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
