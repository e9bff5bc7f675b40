/**
 * @module tokens — signed tokens for tests (valid, expired, wrong secret), as a deployer would mint them.
 */
import { sign } from 'hono/jwt';
import { TEST_SECRET } from './server';

export async function tokenFor(
  userId: string,
  options: { readonly secret?: string; readonly expiresInSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    { sub: userId, iat: now - 5, exp: now + (options.expiresInSeconds ?? 600) },
    options.secret ?? TEST_SECRET,
    'HS256',
  );
}
