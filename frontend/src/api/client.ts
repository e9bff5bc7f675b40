/**
 * @module api/client — the request function the API calls go through, built once from the platform's HTTP.
 *
 * The platform decides how requests travel (`uni.request` with a URL, or `wx.cloud.callContainer` on Cloud
 * Hosting); this module only adds the auth header and turns non-2xx answers into {@link ApiError}s with the
 * server's code and message. No module state: `main.ts` builds one and provides it (tests build their own
 * over a fake HTTP client).
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

/** Sends a request and resolves with the parsed JSON body of a 2xx answer; rejects with ApiError otherwise. */
export type ApiRequest = (request: HttpRequest) => Promise<unknown>;

/** The platform's HTTP client, plus the bearer token when the server wants one. */
export interface ApiClientOptions {
  readonly http: HttpClient;
  readonly token?: string | undefined;
}

/** Builds the {@link ApiRequest} every API call uses. */
export function createApiRequest({ http, token }: ApiClientOptions): ApiRequest {
  return async (request) => {
    let response: HttpResponse;
    try {
      response = await http({ ...request, headers: authHeaders(token, request.headers) });
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
  };
}

function authHeaders(
  token: string | undefined,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
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
