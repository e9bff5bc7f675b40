/**
 * @module tokens routes — `POST /api/tokens`: a short-lived signed token for the caller's identity.
 *
 * Enabled only when `AUTH_TOKEN_SECRET` is set. Only callers identified by trusted WeChat headers get one
 * (a mini-program calling through `wx.cloud.callContainer`): a token cannot mint a newer token (that would
 * make any leaked token live forever), and anonymous callers have no identity to put in it. Other clients
 * get tokens from the deployer's own sign-in, signed with the same secret (docs/backend.md#identity).
 */
import { Hono } from 'hono';
import type { IdentityService } from '../../services/identity';
import type { AppEnv } from '../env';
import { errorResponse } from '../errors';

export function tokenRoutes(identity: IdentityService) {
  return new Hono<AppEnv>().post('/', async (c) => {
    if (!identity.canIssueTokens) {
      return errorResponse(
        c,
        'TOKENS_DISABLED',
        'token issuing is off on this server (AUTH_TOKEN_SECRET unset)',
      );
    }
    const caller = c.get('identity');
    if (caller.method !== 'wechat') {
      return errorResponse(
        c,
        'TOKEN_FORBIDDEN',
        caller.method === 'token'
          ? 'a token cannot be renewed with a token: get a new one where the first one came from'
          : 'only callers identified by WeChat Cloud Hosting can get a token here',
      );
    }
    const issued = await identity.issueToken(caller);
    c.header('Cache-Control', 'no-store');
    return c.json({ tokenType: 'Bearer', ...issued }, 201);
  });
}
