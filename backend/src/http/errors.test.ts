import { ERROR_CATALOGUE, ERROR_CODES } from '@realtime-voice/shared/voice';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../errors';
import { createLogger } from '../log';
import { createErrorHandler } from './errors';

function appThrowing(error: Error) {
  const app = new Hono();
  app.onError(createErrorHandler(createLogger({ level: 'silent' })));
  app.get('/', () => {
    throw error;
  });
  return app;
}

describe('createErrorHandler', () => {
  it("answers every code of the catalogue with the catalogue's status and the code and message", async () => {
    for (const code of ERROR_CODES) {
      const response = await appThrowing(new CodedError(code, `because ${code}`)).request('/');
      expect(response.status, code).toBe(ERROR_CATALOGUE[code].status);
      expect(await response.json()).toEqual({ error: { code, message: `because ${code}` } });
    }
  });

  it('answers the status of the kind a CodedError was raised with (an engine code at stream creation)', async () => {
    const response = await appThrowing(new CodedError('ENGINE_FAILED', 'x', { kind: 'unavailable' })).request(
      '/',
    );
    expect(response.status).toBe(503);
  });

  it("keeps Hono's status for its own exceptions and hides anything else behind INTERNAL", async () => {
    const tooLarge = await appThrowing(new HTTPException(413, { message: 'big' })).request('/');
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'big' } });
    const other = await appThrowing(new Error('secret /etc/path')).request('/');
    expect(other.status).toBe(500);
    expect(await other.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal server error' } });
  });
});
