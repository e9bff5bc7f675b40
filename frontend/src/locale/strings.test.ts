import { ERROR_CODES, LIMIT_ERROR_CODES } from '@realtime-voice/shared/voice';
import { describe, expect, it } from 'vitest';
import { serverErrorText, strings } from './strings';

describe('strings.sessionErrors', () => {
  it("has Chinese words for every one of the server's limit codes (issue 12)", () => {
    for (const code of LIMIT_ERROR_CODES) {
      expect(strings.sessionErrors[code], code).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('error words', () => {
  it('has an entry for every code of the server catalogue: Chinese words, or null to show the server text', () => {
    for (const code of ERROR_CODES) {
      expect(Object.hasOwn(strings.sessionErrors, code), code).toBe(true);
      const words = strings.sessionErrors[code];
      if (words !== null) expect(words, code).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(Object.keys(strings.sessionErrors).sort()).toEqual([...ERROR_CODES].sort());
  });

  it("shows the words for a server code, the server's text for codes without words or not the server's", () => {
    expect(serverErrorText({ code: 'ENGINE_BUSY', message: 'busy' })).toBe(strings.sessionErrors.ENGINE_BUSY);
    expect(serverErrorText({ code: 'ENGINE_UNAVAILABLE', message: 'apt-get install x' })).toBe(
      'apt-get install x',
    );
    expect(serverErrorText({ code: 'ACK_TIMEOUT', message: '超时' })).toBe('超时');
    expect(serverErrorText({ code: 'toString', message: 'm' })).toBe('m');
  });
});
