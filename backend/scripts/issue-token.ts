/**
 * @module issue-token — mint a token for any user id with the server's secret, for clients that have no
 * WeChat identity (H5, other vendors' mini-programs, scripts) when the deployer vouches for them.
 *
 *   AUTH_TOKEN_SECRET=… npm run token -w @realtime-voice/backend -- <userId> [--ttl 1h]
 *
 * Prints the token on stdout. Anyone holding the secret can do this; it never leaves the server side.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config';
import { createIdentityService } from '../src/services/identity';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\nusage: npm run token -- <userId> [--ttl 15m]\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { ttl: { type: 'string' } } });
  const userId = positionals[0];
  if (!userId || positionals.length > 1) fail('give exactly one user id');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, ...(values.ttl ? { AUTH_TOKEN_TTL: values.ttl } : {}) });
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error));
  }
  if (!config.auth.tokenSecret) fail('AUTH_TOKEN_SECRET is not set');
  const identity = createIdentityService(config.auth);
  const issued = await identity.issueToken({ userId, method: 'token' });
  process.stdout.write(`${issued.token}\n`);
  process.stderr.write(`token for ${issued.userId}, expires ${issued.expiresAt}\n`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
