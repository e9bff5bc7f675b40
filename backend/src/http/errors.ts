/**
 * @module errors — every HTTP error has the body `{ error: { code, message } }` and never a stack trace.
 *
 * The one place a code becomes an HTTP status: the shared catalogue's kind → status (`ERROR_KIND_STATUS`).
 */
import {
  type ApiErrorBody,
  ERROR_CATALOGUE,
  ERROR_KIND_STATUS,
  type ErrorCode,
  type ErrorKind,
} from '@realtime-voice/shared/voice';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CodedError } from '../errors';
import type { Logger } from '../log';

/** The body of every HTTP error (defined once, in shared). */
export type ErrorBody = ApiErrorBody;

/** The HTTP status of a code (or of the kind a `CodedError` was raised with). */
export function httpStatus(
  code: ErrorCode,
  kind: ErrorKind = ERROR_CATALOGUE[code].kind,
): ContentfulStatusCode {
  return ERROR_KIND_STATUS[kind];
}

/** Responds with the standard error body and the code's status (or `status` where Hono set one). */
export function errorResponse(
  c: Context,
  code: ErrorCode,
  message: string,
  status: ContentfulStatusCode = httpStatus(code),
): Response {
  return c.json<ErrorBody>({ error: { code, message } }, status);
}

/** `app.onError`: known errors keep their code; anything else is logged and becomes a bare 500. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof CodedError) {
      const status = httpStatus(error.code, error.kind);
      if (status >= 500) logger.error('http.error', { path: c.req.path, error });
      return errorResponse(c, error.code, error.message, status);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return errorResponse(
        c,
        status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
        error.message || 'bad request',
        status,
      );
    }
    logger.error('http.error', { method: c.req.method, path: c.req.path, error });
    return errorResponse(c, 'INTERNAL', 'internal server error');
  };
}
