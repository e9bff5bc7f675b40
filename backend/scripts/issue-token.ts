/**
 * @module issue-token — mint a token for any user id with the server's secret, for clients that have no
 * WeChat identity (H5, other vendors' mini-programs, scripts) when the deployer vouches for them.
 *
 *   AUTH_TOKEN_SECRET=… npm run token -w @realtime-voice/backend -- <userId> [--ttl 1h]
 *
 * Prints the token on stdout. Anyone holding the secret can do this; it never leaves the server side.
 * Exit codes: 0 done, 1 usage (a user id the server would refuse, no secret, a bad `--ttl`), 2 anything else.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config';
import { errorMessage } from '../src/errors';
import { createIdentityService, isUsableUserId } from '../src/services/identity';

const USAGE = 'usage: npm run token -w @realtime-voice/backend -- <userId> [--ttl 15m]';

/** Exit 1 with the problem and the usage line; 2 for anything else that went wrong. */
function fail(message: string, code = 1): never {
  process.stderr.write(`token: ${message}\n${code === 1 ? `${USAGE}\n` : ''}`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli();
  } catch (error) {
    fail(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const userId = positionals[0];
  if (userId === undefined || positionals.length > 1) fail('give exactly one user id');
  // The server refuses a token for any other id (TOKEN_INVALID): none is minted.
  if (!isUsableUserId(userId)) {
    fail(`user id ${shown(positionals[0] ?? '')}: 1–128 characters, no leading or trailing whitespace`);
  }
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

/** A user id quoted for a message, or its length when it is too long to read. */
function shown(userId: string): string {
  return userId.length > 40 ? `of ${userId.length} characters` : JSON.stringify(userId);
}

function parseCli() {
  return parseArgs({ allowPositionals: true, options: { ttl: { type: 'string' } } });
}

main().catch((error: unknown) => fail(errorMessage(error), 2));
