/**
 * @module identity — who is calling: the same rules for HTTP requests and Socket.IO connections.
 *
 * 1. `trustWxHeaders`: WeChat Cloud Hosting injects `x-wx-openid` (or `x-wx-from-openid` in resource-reuse
 *    mode) into requests from the mini-program; the user is `wx:<openid>`. Elsewhere such headers can be
 *    forged, so they are ignored unless trusted.
 * 2. A bearer token (HS256 JWT signed with `tokenSecret`, `sub` = user id, `exp` required).
 *    A presented but bad token is refused, never downgraded to anonymous.
 * 3. Anonymous (`anonymous`), when allowed.
 * 4. Otherwise refused, with a reason the caller can act on.
 */
import { sign, verify } from 'hono/jwt';

/** How far ahead of ours another clock may be for a token's `iat` / `nbf` (several instances, sign-in services). */
const CLOCK_SKEW_SECONDS = 60;

export type IdentityMethod = 'wechat' | 'token' | 'anonymous';

/**
 * The token of an `Authorization: Bearer <token>` header. Any other non-empty Authorization header is
 * handed on whole as the token, so that it is refused as invalid instead of being ignored (a caller who
 * sent credentials must never silently become anonymous).
 *
 * @example
 * bearerToken('Bearer abc.def.ghi'); // 'abc.def.ghi'
 * bearerToken('Basic dXNlcjpwYXNz'); // 'Basic dXNlcjpwYXNz' (refused by identify())
 */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : header?.trim() || undefined;
}

export interface Identity {
  readonly userId: string;
  readonly method: IdentityMethod;
  /** When the identity stops being valid (a token's `exp`, epoch seconds); undefined = for the connection's life. */
  readonly expiresAt?: number;
}

export type IdentityRefusalCode = 'UNAUTHENTICATED' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_UNSUPPORTED';

export type IdentityResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly code: IdentityRefusalCode; readonly message: string };

/** What a transport knows about a caller. */
export interface Credentials {
  /** Lower-case header lookup (HTTP request or WebSocket upgrade request). */
  header(name: string): string | undefined;
  /** A bearer token from `Authorization` or the Socket.IO `auth.token`. */
  readonly token?: string | undefined;
}

export interface IdentityOptions {
  readonly trustWxHeaders: boolean;
  readonly tokenSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly allowAnonymous: boolean;
  /** Clock in epoch seconds (tests). */
  readonly nowSeconds?: () => number;
}

export interface IssuedToken {
  readonly token: string;
  readonly userId: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly expiresIn: number;
}

export interface IdentityService {
  identify(credentials: Credentials): Promise<IdentityResult>;
  /** Whether `issueToken` can work (a secret is configured). */
  readonly canIssueTokens: boolean;
  issueToken(identity: Identity): Promise<IssuedToken>;
}

export const ANONYMOUS_USER_ID = 'anonymous';
const ISSUER = 'realtime-voice';
const MAX_USER_ID_LENGTH = 128;

/**
 * Whether `id` can be a user id: 1–128 characters without surrounding whitespace (MySQL's PAD SPACE
 * comparison would make `alice ` the user `alice`). Tokens are only issued, and only accepted, for such ids.
 *
 * @example
 * isUsableUserId('alice'); // true
 * isUsableUserId('alice '); // false
 */
export function isUsableUserId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id.length <= MAX_USER_ID_LENGTH && id.trim() === id;
}

/**
 * @example
 * const identity = createIdentityService({ trustWxHeaders: true, tokenSecret, tokenTtlSeconds: 900, allowAnonymous: false });
 * const result = await identity.identify({ header: (name) => headers[name], token });
 */
export function createIdentityService(options: IdentityOptions): IdentityService {
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  const fromWxHeaders = (credentials: Credentials): Identity | undefined => {
    if (!options.trustWxHeaders) return undefined;
    const openid =
      credentials.header('x-wx-openid')?.trim() || credentials.header('x-wx-from-openid')?.trim();
    // `wx:` + openid is the user id, within the same limit (real openids are 28 characters).
    if (!openid || openid.length > MAX_USER_ID_LENGTH - 3) return undefined;
    return { userId: `wx:${openid}`, method: 'wechat' };
  };

  const fromToken = async (token: string): Promise<IdentityResult> => {
    if (options.tokenSecret === undefined) {
      return {
        ok: false,
        code: 'TOKEN_UNSUPPORTED',
        message: 'this server does not accept tokens (AUTH_TOKEN_SECRET is not set)',
      };
    }
    let payload: Record<string, unknown>;
    try {
      // iat / nbf are checked below with a leeway: another instance's (or a sign-in service's) clock may be
      // a little ahead of ours.
      payload = await verify(token, options.tokenSecret, { alg: 'HS256', iat: false, nbf: false });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'JwtTokenExpired') {
        return { ok: false, code: 'TOKEN_EXPIRED', message: 'the token has expired: get a new one' };
      }
      return {
        ok: false,
        code: 'TOKEN_INVALID',
        message: `the token is not valid (${describeJwtError(name)})`,
      };
    }
    const { sub, exp, iat, nbf } = payload;
    if (typeof exp !== 'number') {
      return { ok: false, code: 'TOKEN_INVALID', message: 'the token is not valid (no exp claim)' };
    }
    const latest = nowSeconds() + CLOCK_SKEW_SECONDS;
    if (typeof iat === 'number' && iat > latest) {
      return { ok: false, code: 'TOKEN_INVALID', message: 'the token is not valid (issued in the future)' };
    }
    if (typeof nbf === 'number' && nbf > latest) {
      return { ok: false, code: 'TOKEN_INVALID', message: 'the token is not valid (not valid yet)' };
    }
    // Surrounding whitespace is refused: MySQL's PAD SPACE collations would make 'alice ' equal 'alice'.
    if (!isUsableUserId(sub)) {
      return { ok: false, code: 'TOKEN_INVALID', message: 'the token is not valid (no usable sub claim)' };
    }
    return { ok: true, identity: { userId: sub, method: 'token', expiresAt: exp } };
  };

  return {
    canIssueTokens: options.tokenSecret !== undefined,

    async identify(credentials) {
      const wx = fromWxHeaders(credentials);
      if (wx) return { ok: true, identity: wx };
      if (credentials.token !== undefined && credentials.token !== '') return fromToken(credentials.token);
      if (options.allowAnonymous)
        return { ok: true, identity: { userId: ANONYMOUS_USER_ID, method: 'anonymous' } };
      return { ok: false, code: 'UNAUTHENTICATED', message: refusalMessage(options) };
    },

    async issueToken(identity) {
      if (options.tokenSecret === undefined) throw new Error('issueToken: AUTH_TOKEN_SECRET is not set');
      // A token the server would refuse is never issued.
      if (!isUsableUserId(identity.userId)) {
        throw new Error('user id: 1–128 characters, no leading or trailing whitespace');
      }
      const iat = nowSeconds();
      const exp = iat + options.tokenTtlSeconds;
      const token = await sign({ sub: identity.userId, iat, exp, iss: ISSUER }, options.tokenSecret, 'HS256');
      return {
        token,
        userId: identity.userId,
        expiresAt: new Date(exp * 1000).toISOString(),
        expiresIn: options.tokenTtlSeconds,
      };
    },
  };
}

function refusalMessage(options: IdentityOptions): string {
  const ways: string[] = [];
  if (options.trustWxHeaders) ways.push('connect from the WeChat mini-program through Cloud Hosting');
  if (options.tokenSecret !== undefined) {
    ways.push('present a token (Socket.IO auth.token, or HTTP Authorization: Bearer <token>)');
  }
  if (ways.length === 0)
    return 'no identity: this server accepts no credentials (see docs/backend.md#identity)';
  return `no identity: ${ways.join(', or ')}`;
}

function describeJwtError(name: string): string {
  switch (name) {
    case 'JwtTokenSignatureMismatched':
      return 'bad signature';
    case 'JwtTokenInvalid':
      return 'malformed';
    case 'JwtTokenNotBefore':
      return 'not valid yet';
    case 'JwtTokenIssuedAt':
      return 'issued in the future';
    case 'JwtAlgorithmMismatch':
    case 'JwtHeaderInvalid':
      return 'unexpected algorithm or header';
    default:
      return 'could not be verified';
  }
}
