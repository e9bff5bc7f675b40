import type { TranscriptRecord } from '@realtime-voice/shared/voice';

let counter = 0;

/** A stored record as the backend sends it. */
export function record(overrides: Partial<TranscriptRecord> = {}): TranscriptRecord {
  counter++;
  return {
    id: `r${counter}`,
    userId: 'anonymous',
    sessionId: 'sess-1',
    text: `hello ${counter}`,
    language: 'en-US',
    engine: 'pocketsphinx',
    audioMs: 1200,
    latencyMs: 80,
    createdAt: new Date(Date.UTC(2026, 10, 26, 8, 0, counter)).toISOString(),
    ...overrides,
  };
}
