import { LIMIT_ERROR_CODES } from '@realtime-voice/shared/voice';
import { describe, expect, it } from 'vitest';
import { strings } from './strings';

describe('strings.sessionErrors', () => {
  it("has Chinese words for every one of the server's limit codes (issue 12)", () => {
    for (const code of LIMIT_ERROR_CODES) {
      expect(strings.sessionErrors[code], code).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
