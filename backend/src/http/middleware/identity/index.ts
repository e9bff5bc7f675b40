/**
 * @module identity middleware — resolves the caller (trusted WeChat headers, bearer token, or anonymous)
 * with the same rules as Socket.IO connections, and refuses with 401 and a reason otherwise.
 */
import type { MiddlewareHandler } from 'hono';
import { bearerToken, type IdentityService } from '../../../services/identity';
import type { AppEnv } from '../../env';
import { errorResponse } from '../../errors';

export interface IdentityMiddlewareOptions {
  readonly service: IdentityService;
}

/**
 * @example
 * app.use('/api/*', identity({ service: identityService }));
 * app.get('/api/me', (c) => c.json(c.get('identity')));
 */
export function identity(options: IdentityMiddlewareOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const result = await options.service.identify({
      header: (name) => c.req.header(name),
      token: bearerToken(c.req.header('authorization')),
    });
    if (!result.ok) {
      c.header('WWW-Authenticate', 'Bearer');
      return errorResponse(c, result.code, result.message);
    }
    c.set('identity', result.identity);
    await next();
  };
}
