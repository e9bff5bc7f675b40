/**
 * @module request-log middleware — one log line per HTTP request (method, path, status, duration).
 * Query strings and headers are left out: they can carry tokens.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../../log';

export interface RequestLogOptions {
  readonly logger: Logger;
  /** Paths logged at debug level only (health probes arrive every few seconds). */
  readonly quietPaths?: readonly string[];
}

export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const quiet = new Set(options.quietPaths ?? []);
  return async (c, next) => {
    const started = performance.now();
    await next();
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    };
    if (quiet.has(c.req.path)) options.logger.debug('http.request', fields);
    else options.logger.info('http.request', fields);
  };
}
