/**
 * @module errors — every HTTP error has the body `{ error: { code, message } }` and never a stack trace.
 */
import type { ApiErrorBody } from '@realtime-voice/shared/voice';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../log';
import { ServiceError, type ServiceErrorKind } from '../services/errors';

/** The body of every HTTP error (defined once, in shared). */
export type ErrorBody = ApiErrorBody;

const STATUS: Readonly<Record<ServiceErrorKind, ContentfulStatusCode>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'unsupported-media': 415,
  'too-large': 413,
  'too-many': 429,
  unavailable: 503,
  internal: 500,
};

/** Responds with the standard error body. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  return c.json<ErrorBody>({ error: { code, message } }, status);
}

/** `app.onError`: known errors keep their code; anything else is logged and becomes a bare 500. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ServiceError) {
      const status = STATUS[error.kind];
      if (status >= 500) logger.error('http.error', { path: c.req.path, error });
      return errorResponse(c, status, error.code, error.message);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return errorResponse(
        c,
        status,
        status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
        error.message || 'bad request',
      );
    }
    logger.error('http.error', { method: c.req.method, path: c.req.path, error });
    return errorResponse(c, 500, 'INTERNAL', 'internal server error');
  };
}
