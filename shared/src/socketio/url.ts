/**
 * @module url — a tiny URI parser; mini-programs have no `URL` global.
 *
 * Accepts `http(s)://host[:port]/nsp?query`, `ws(s)://…`, `host[:port]/nsp` (https assumed, as
 * socket.io-client does without a page location) and a bare namespace `/nsp` for transports that need no
 * URL (connectContainer).
 */
import { ClientError } from './errors';

/** A parsed `io()` URI. */
export interface ParsedUri {
  /** `ws://host:port` or `wss://host`, or undefined for a bare namespace. */
  readonly origin: string | undefined;
  /** The namespace (URI path), `/` by default. */
  readonly nsp: string;
  /** The URI's raw query string without `?` (may be empty). */
  readonly query: string;
  /** Identifies the server, for sharing one Manager: origin (or empty) plus path. */
  readonly id: string;
}

/**
 * `[[scheme:]//][userinfo@][host][:port][/path][?query][#fragment]`, host a name or a bracketed IPv6
 * address. Without a host it is a bare namespace `/nsp?query`. A port has digits: that is how an unknown
 * scheme (`ftp://x`) fails, instead of passing as a host named `ftp`.
 */
const URI =
  /^(?:(?:(https?|wss?):)?\/\/)?(?:[^/?#]*@)?(\[[\da-f:.]+\]|[^:/?#[\]@]+)?(?::(\d+))?(\/[^?#]*)?(?:\?([^#]*))?(?:#|$)/i;

/**
 * Parses a URI; a ClientError('TRANSPORT_ERROR') for an unsupported scheme or a malformed host.
 *
 * @example
 * parseUri('https://example.com/realtime-voice?v=1');
 * // { origin: 'wss://example.com', nsp: '/realtime-voice', query: 'v=1', id: 'wss://example.com:443' }
 */
export function parseUri(uri: string | undefined, path = '/socket.io/'): ParsedUri | ClientError {
  const input = (uri || '').trim();
  const match = URI.exec(input);
  const [, scheme, host, givenPort, nsp = '/', query = ''] = match || [];
  // A scheme or `//` with no host is not a namespace.
  if (!match || (!host && (scheme || input.charAt(1) === '/'))) {
    return new ClientError('TRANSPORT_ERROR', `Bad URI ${uri}: use http(s)://, ws(s):// or /nsp`);
  }
  // A bare namespace (and query): no server URL.
  if (!host) return { origin: undefined, nsp, query, id: path };
  // No scheme (`host/nsp`, `//host/nsp`) means https.
  const secure = /^(https|wss)$/i.test(scheme || 'https');
  const defaultPort = secure ? '443' : '80';
  const port = givenPort || defaultPort;
  const protocol = secure ? 'wss' : 'ws';
  return {
    origin: `${protocol}://${host}${port === defaultPort ? '' : `:${port}`}`,
    nsp,
    query,
    id: `${protocol}://${host}:${port}${path}`,
  };
}

/** Custom query values, as the `query` option takes them. */
export type QueryValues = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * Builds the Engine.IO request path: `path?EIO=4&transport=websocket&<custom query>`. `EIO` and
 * `transport` from the custom query are ignored: the protocol decides them.
 *
 * @example
 * buildRequestPath('/socket.io/', 'a=1', { token: 'x' });
 * // '/socket.io/?EIO=4&transport=websocket&a=1&token=x'
 */
export function buildRequestPath(path: string, uriQuery: string, query: QueryValues | undefined): string {
  let search = 'EIO=4&transport=websocket';
  const add = (key: string, pair: string): void => {
    if (key !== 'EIO' && key !== 'transport') search += `&${pair}`;
  };
  for (const pair of uriQuery.split('&')) if (pair) add(pair.split('=')[0] as string, pair);
  for (const key of Object.keys(query || {})) {
    const value = (query as QueryValues)[key];
    if (value != null) add(key, `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  // engine.io-client adds the slash too: the server only answers below `/socket.io/`.
  return `${path.replace(/\/?$/, '/')}?${search}`;
}
