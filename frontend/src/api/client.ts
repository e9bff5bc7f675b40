/**
 * @module api/client — the HTTP client the API functions use, configured once at start.
 *
 * The platform decides how requests travel (`uni.request` with a URL, or `wx.cloud.callContainer` on Cloud
 * Hosting); this module only adds the auth header and turns non-2xx answers into {@link ApiError}s with the
 * server's code and message. Tests configure a fake client.
 */
import type { HttpClient, HttpRequest, HttpResponse } from '../platform/types';

/** A failed API call: HTTP status (0 = no answer), the server's code and a message safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let client: HttpClient | undefined;
let token: string | undefined;

/** Sets the platform's HTTP client, and the bearer token when the server wants one. */
export function configureApi(options: { http: HttpClient; token?: string }): void {
  client = options.http;
  token = options.token;
}

function authHeaders(extra?: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  return headers;
}

function unwrap(response: HttpResponse): unknown {
  if (response.status >= 200 && response.status < 300) return response.data;
  const { code, message } = errorBody(response.data);
  throw new ApiError(
    response.status,
    code ?? `HTTP_${response.status}`,
    message ?? `HTTP ${response.status}`,
  );
}

/** Sends a request and returns the parsed JSON body of a 2xx answer; throws ApiError otherwise. */
export async function apiRequest(request: HttpRequest): Promise<unknown> {
  if (!client)
    throw new ApiError(0, 'NOT_CONFIGURED', 'API client not configured: call configureApi() first');
  let response: HttpResponse;
  try {
    response = await client({ ...request, headers: authHeaders(request.headers) });
  } catch (err) {
    // Mini-program APIs (wx.cloud.callContainer) reject with a plain { errCode, errMsg } object.
    const errMsg = (err as { errMsg?: unknown } | null)?.errMsg;
    throw new ApiError(
      0,
      'NETWORK',
      err instanceof Error ? err.message : typeof errMsg === 'string' ? errMsg : String(err),
    );
  }
  return unwrap(response);
}

/** The backend answers errors as `{ error: { code, message } }`; accept a flat `{ code, message }` too. */
function errorBody(data: unknown): { code?: string; message?: string } {
  if (typeof data !== 'object' || data === null) return {};
  const inner = (data as { error?: unknown }).error;
  const source = typeof inner === 'object' && inner !== null ? inner : data;
  const { code, message } = source as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}
