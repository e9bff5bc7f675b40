import { ERROR_CATALOGUE } from '@realtime-voice/shared/voice';
import { describe, expect, it } from 'vitest';
import { AudioFormatError } from './audio/mpeg-frames';
import { CodedError, errorCode, errorMessage, toError } from './errors';
import { ServiceError } from './services/errors';
import { SpeechError } from './speech/errors';

describe('CodedError', () => {
  it('takes its kind from the catalogue unless told otherwise, and keeps the cause', () => {
    const cause = new Error('disk full');
    const stored = new CodedError('STORAGE_FAILED', 'could not store a result', { cause });
    expect(stored).toMatchObject({
      code: 'STORAGE_FAILED',
      kind: 'internal',
      message: 'could not store a result',
    });
    expect(stored.cause).toBe(cause);
    expect(new CodedError('ENGINE_FAILED', 'x', { kind: 'unavailable' }).kind).toBe('unavailable');
    expect(ERROR_CATALOGUE.ENGINE_FAILED.kind).toBe('internal');
  });

  it('is the base of every coded error the backend throws, each keeping its name', () => {
    for (const [error, name] of [
      [new ServiceError('BAD_LIMIT', 'x'), 'ServiceError'],
      [new SpeechError('ENGINE_BUSY', 'x'), 'SpeechError'],
      [new AudioFormatError('MP3_INVALID', 'x'), 'AudioFormatError'],
    ] as const) {
      expect(error).toBeInstanceOf(CodedError);
      expect(error.name).toBe(name);
      expect(error.kind).toBe(ERROR_CATALOGUE[error.code].kind);
    }
  });
});

describe('errorCode', () => {
  it('reads a catalogue code off anything thrown, and nothing else', () => {
    expect(errorCode(new SpeechError('ENGINE_TIMEOUT', 'x'))).toBe('ENGINE_TIMEOUT');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ENGINE_FAILED' }))).toBe('ENGINE_FAILED');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeUndefined();
    expect(errorCode({ code: 42 })).toBeUndefined();
    expect(errorCode('ENGINE_FAILED')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});

describe('toError and errorMessage', () => {
  it('keep an Error as it is and make one of anything else', () => {
    const error = new Error('boom');
    expect(toError(error)).toBe(error);
    expect(toError('boom')).toMatchObject({ message: 'boom' });
    expect(toError(undefined)).toBeInstanceOf(Error);
    expect(errorMessage(error)).toBe('boom');
    expect(errorMessage(42)).toBe('42');
  });
});
