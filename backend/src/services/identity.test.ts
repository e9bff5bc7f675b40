import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { createIdentityService, type IdentityOptions, isUsableUserId } from './identity';

const SECRET = 'unit-test-secret-with-enough-length-0123456789';
const base: IdentityOptions = {
  trustWxHeaders: false,
  tokenSecret: SECRET,
  tokenTtlSeconds: 600,
  allowAnonymous: false,
};

function credentials(headers: Record<string, string> = {}, token?: string) {
  return { header: (name: string) => headers[name], token };
}

describe('identity service', () => {
  it('trusts WeChat headers only when configured, before any token', async () => {
    const trusting = createIdentityService({ ...base, trustWxHeaders: true });
    expect(await trusting.identify(credentials({ 'x-wx-openid': 'o1' }, 'garbage'))).toEqual({
      ok: true,
      identity: { userId: 'wx:o1', method: 'wechat' },
    });
    expect(await trusting.identify(credentials({ 'x-wx-from-openid': 'o2' }))).toMatchObject({
      identity: { userId: 'wx:o2' },
    });
    expect(await trusting.identify(credentials({ 'x-wx-openid': '  ' }))).toMatchObject({ ok: false });
    const wary = createIdentityService(base);
    expect(await wary.identify(credentials({ 'x-wx-openid': 'o1' }))).toMatchObject({
      ok: false,
      code: 'UNAUTHENTICATED',
    });
  });

  it('never issues a token it would refuse: user ids with surrounding whitespace or over 128 characters', async () => {
    const service = createIdentityService(base);
    for (const userId of ['alice ', ' alice', 'a'.repeat(129), '']) {
      await expect(service.issueToken({ userId, method: 'token' })).rejects.toThrow(/user id: 1–128/);
    }
    expect(isUsableUserId('a'.repeat(128))).toBe(true);
    // The WeChat identity stays within the limit with its `wx:` prefix.
    const wx = createIdentityService({ ...base, trustWxHeaders: true });
    const long = await wx.identify(credentials({ 'x-wx-openid': 'o'.repeat(126) }));
    expect(long.ok).toBe(false);
  });

  it('issues tokens that it accepts, and refuses expired, unsigned, subjectless or foreign ones', async () => {
    let now = 1_800_000_000;
    const service = createIdentityService({ ...base, nowSeconds: () => now });
    const issued = await service.issueToken({ userId: 'wx:o1', method: 'wechat' });
    expect(issued.expiresIn).toBe(600);
    // hono's verify uses the real clock; the issued token is checked against it here.
    now = Math.floor(Date.now() / 1000);
    const fresh = await service.issueToken({ userId: 'wx:o1', method: 'wechat' });
    expect(await service.identify(credentials({}, fresh.token))).toEqual({
      ok: true,
      identity: { userId: 'wx:o1', method: 'token', expiresAt: expect.any(Number) },
    });
    const real = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      [await sign({ sub: 'u', exp: real - 1 }, SECRET, 'HS256'), 'TOKEN_EXPIRED'],
      [await sign({ sub: 'u' }, SECRET, 'HS256'), 'TOKEN_INVALID'],
      [await sign({ exp: real + 60 }, SECRET, 'HS256'), 'TOKEN_INVALID'],
      [await sign({ sub: 'x'.repeat(200), exp: real + 60 }, SECRET, 'HS256'), 'TOKEN_INVALID'],
      [await sign({ sub: 'u', exp: real + 60 }, `${SECRET}-other`, 'HS256'), 'TOKEN_INVALID'],
      [await sign({ sub: 'u', exp: real + 60 }, SECRET, 'HS512'), 'TOKEN_INVALID'],
      ['e30.e30.', 'TOKEN_INVALID'],
    ];
    for (const [token, code] of cases) {
      expect(await service.identify(credentials({}, token)), token).toMatchObject({ ok: false, code });
    }
  });

  it('refuses tokens when no secret is configured, and explains how to get in', async () => {
    const service = createIdentityService({ ...base, tokenSecret: undefined, trustWxHeaders: true });
    expect(service.canIssueTokens).toBe(false);
    expect(await service.identify(credentials({}, 'a.b.c'))).toMatchObject({
      ok: false,
      code: 'TOKEN_UNSUPPORTED',
    });
    const refused = await service.identify(credentials());
    expect(refused.ok === false && refused.message).toMatch(/Cloud Hosting/);
  });

  it('lets anonymous callers in when allowed, but never downgrades a bad token', async () => {
    const service = createIdentityService({ ...base, allowAnonymous: true });
    expect(await service.identify(credentials())).toEqual({
      ok: true,
      identity: { userId: 'anonymous', method: 'anonymous' },
    });
    expect(await service.identify(credentials({}, 'bad'))).toMatchObject({
      ok: false,
      code: 'TOKEN_INVALID',
    });
  });
});
