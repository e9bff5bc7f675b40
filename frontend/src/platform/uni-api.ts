/**
 * @module platform/uni-api — the `uni.*` calls every target shares (the mini-programs and H5): HTTP, reading
 * a recorded file, dialogs. uni maps them to `wx.*`, `my.*`, `tt.*` or the browser.
 */
import type { HttpClient, HttpRequest } from './types';

/** Builds a URL with a query string, skipping undefined values. */
export function withQuery(base: string, query: HttpRequest['query']): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? base : `${base}${base.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

/** `uni.request` against `baseUrl` as an HttpClient: JSON in and out, never rejects for HTTP errors. */
export function uniHttp(baseUrl: string): HttpClient {
  return (request) =>
    new Promise((resolve, reject) => {
      uni.request({
        url: withQuery(`${baseUrl}${request.path}`, request.query),
        method: request.method,
        // Bytes go out as they are (the caller names their type); anything else as JSON.
        header: {
          ...(request.body !== undefined && !(request.body instanceof ArrayBuffer)
            ? { 'content-type': 'application/json' }
            : {}),
          ...request.headers,
        },
        ...(request.body !== undefined ? { data: request.body as UniApp.RequestOptions['data'] } : {}),
        dataType: 'json',
        success: (res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (err) => reject(new Error(err.errMsg || 'request failed')),
      });
    });
}

/** Reads a local file (a recording's temp path) as bytes. */
export function uniReadFile(filePath: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    uni.getFileSystemManager().readFile({
      filePath,
      success: (res) => {
        const { data } = res as { data: unknown };
        if (data instanceof ArrayBuffer) resolve(data);
        else reject(new Error('readFile: expected binary data'));
      },
      fail: (err) => reject(new Error(err.errMsg || 'readFile failed')),
    });
  });
}

/** A confirm dialog (`uni.showModal`); resolves true when confirmed. */
export function uniConfirm(
  title: string,
  content: string,
  confirmText: string,
  cancelText: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    uni.showModal({
      title,
      content,
      confirmText,
      cancelText,
      success: (res) => resolve(res.confirm === true),
      fail: () => resolve(false),
    });
  });
}

/** A short toast without an icon. */
export function uniToast(message: string): void {
  uni.showToast({ title: message, icon: 'none', duration: 2000 });
}
