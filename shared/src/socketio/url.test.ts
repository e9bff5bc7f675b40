import { describe, expect, it } from 'vitest';
import { ClientError } from './errors';
import { buildRequestPath, parseUri } from './url';

describe('parseUri', () => {
  it('parses http(s) and ws(s) URLs with namespace and query', () => {
    expect(parseUri('http://127.0.0.1:3000/realtime-voice?x=1')).toEqual({
      origin: 'ws://127.0.0.1:3000',
      nsp: '/realtime-voice',
      query: 'x=1',
      id: 'ws://127.0.0.1:3000/socket.io/',
    });
    expect(parseUri('https://example.com')).toEqual({
      origin: 'wss://example.com',
      nsp: '/',
      query: '',
      id: 'wss://example.com:443/socket.io/',
    });
    expect(parseUri('wss://example.com:443/a/b')).toMatchObject({ origin: 'wss://example.com', nsp: '/a/b' });
    expect(parseUri('ws://example.com:80/')).toMatchObject({ origin: 'ws://example.com', nsp: '/' });
    expect(parseUri('HTTP://Example.com:8080/x', '/io/')).toMatchObject({
      origin: 'ws://Example.com:8080',
      id: 'ws://Example.com:8080/io/',
    });
  });

  it('handles IPv6, user info, scheme-less and protocol-relative URIs', () => {
    expect(parseUri('http://[::1]:3000/chat')).toMatchObject({ origin: 'ws://[::1]:3000', nsp: '/chat' });
    expect(parseUri('https://user:pw@host.cn/ns')).toMatchObject({ origin: 'wss://host.cn', nsp: '/ns' });
    expect(parseUri('example.com:8443/ns')).toMatchObject({ origin: 'wss://example.com:8443', nsp: '/ns' });
    expect(parseUri('//example.com/ns')).toMatchObject({ origin: 'wss://example.com', nsp: '/ns' });
  });

  it('accepts a bare namespace (no URL) for transports that need none', () => {
    expect(parseUri('/realtime-voice')).toEqual({
      origin: undefined,
      nsp: '/realtime-voice',
      query: '',
      id: '/socket.io/',
    });
    expect(parseUri('/realtime-voice?token=a')).toMatchObject({ nsp: '/realtime-voice', query: 'token=a' });
    expect(parseUri(undefined)).toMatchObject({ origin: undefined, nsp: '/' });
    expect(parseUri('')).toMatchObject({ nsp: '/' });
  });

  it('rejects unsupported schemes and hosts', () => {
    expect(parseUri('ftp://x/y')).toBeInstanceOf(ClientError);
    expect(parseUri('http://exa mple:12:13/')).toBeInstanceOf(ClientError);
  });
});

describe('buildRequestPath', () => {
  it('puts EIO=4 and transport=websocket first and keeps custom query parameters', () => {
    expect(buildRequestPath('/socket.io/', 'a=1&b=%20', { token: 'x y', n: 2, skip: undefined })).toBe(
      '/socket.io/?EIO=4&transport=websocket&a=1&b=%20&token=x%20y&n=2',
    );
  });

  it('never lets the custom query override EIO or transport', () => {
    expect(buildRequestPath('/p/', 'EIO=3&transport=polling&k=v', { EIO: 3, transport: 'polling' })).toBe(
      '/p/?EIO=4&transport=websocket&k=v',
    );
  });
});
