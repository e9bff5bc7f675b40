/**
 * @module issue-token — mint a token for any user id with the server's secret, for clients that have no
 * WeChat identity (H5, other vendors' mini-programs, scripts) when the deployer vouches for them.
 *
 *   AUTH_TOKEN_SECRET=… npm run token -- <userId> [--ttl 1h]   (also `-w @realtime-voice/backend`; `--help`)
 *
 * Prints the token on stdout. Anyone holding the secret can do this; it never leaves the server side.
 * Exit codes: 0 done, 1 usage (a user id the server would refuse, no secret, a bad `--ttl`), 2 anything else.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config';
import { errorMessage } from '../src/errors';
import { createIdentityService, isUsableUserId } from '../src/services/identity';

const USAGE = 'usage: npm run token -w @realtime-voice/backend -- <userId> [--ttl 15m]';

const HELP = `${USAGE}
   or: npm run token -- <userId> [--ttl 15m]   (from the repository root)

Mints a bearer token for <userId> with the server's AUTH_TOKEN_SECRET and prints it on stdout (its
user and expiry go to stderr). For callers without a WeChat identity — H5, other vendors'
mini-programs, scripts — when you vouch for them. Anyone holding the secret can do this: run it on the
server side only.

  <userId>      the user the token speaks for: 1–128 characters, no leading or trailing whitespace
                (the server refuses tokens for any other id, so none is minted)
  --ttl TTL     lifetime: seconds or 30s / 15m / 1h / 7d, from 30 s to 7 d
                (default: $AUTH_TOKEN_TTL, else 15m)
  -h, --help    this text

Environment: AUTH_TOKEN_SECRET (required, ≥ 32 characters — the same value the server runs with;
generate one with \`openssl rand -base64 48\`), AUTH_TOKEN_TTL.
Use the token as HTTP \`Authorization: Bearer <token>\`, Socket.IO \`auth: { token }\`, or
\`npm run transcribe -- file.wav --token <token>\`.
Exit codes: 0 done, 1 usage (a user id the server would refuse, no secret, a bad --ttl), 2 anything else.
`;

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
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
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
  return parseArgs({
    allowPositionals: true,
    options: { ttl: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
}

main().catch((error: unknown) => fail(errorMessage(error), 2));
