/**
 * An HTTP call to a test server's API as a client makes it: optionally as a user (a bearer token minted for
 * `user`) or with a given token; the body parsed as JSON when it is JSON, else kept as text.
 */
import type { RunningServer } from '../../src/server';
import { tokenFor } from './tokens';

export interface ApiCall {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/**
 * @example
 * const { status, body } = await callApi(server, '/api/history', { user: 'alice' });
 */
export async function callApi(
  server: RunningServer,
  path: string,
  init: RequestInit & { readonly user?: string; readonly token?: string } = {},
): Promise<ApiCall> {
  const headers = new Headers(init.headers);
  const token = init.token ?? (init.user !== undefined ? await tokenFor(init.user) : undefined);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(`${server.url}${path}`, { ...init, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (the home page); keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}
