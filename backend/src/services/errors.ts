/**
 * @module errors — the error services raise: a catalogue `code` and a message safe to show to the caller.
 *
 * The code's kind (from the shared catalogue) says what went wrong in transport-neutral terms; the HTTP
 * layer maps it to a status and the Socket.IO layer sends `{ code, message }` in an ack or `session-error`.
 */
import { CodedError } from '../errors';

export { errorCode } from '../errors';

/** A `CodedError` raised by a service (the name shows in logs). */
export class ServiceError extends CodedError {
  override name = 'ServiceError';
}
