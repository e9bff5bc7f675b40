/**
 * @module stores/errors — one way to turn any failure into a sentence for the page.
 */
import { ApiError } from '../api';
import { strings } from '../locale/strings';

/** The server's message when it sent one, else a generic sentence by kind. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return `${strings.errors.network}：${err.message}`;
    return err.message && err.message !== `HTTP ${err.status}`
      ? err.message
      : strings.errors.server(err.status);
  }
  if (err instanceof Error && err.message) return err.message;
  return strings.errors.generic;
}
