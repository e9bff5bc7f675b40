import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { record } from '../../test/support/records';
import { useTranscriptStore } from './transcript';

beforeEach(() => setActivePinia(createPinia()));

describe('transcript store', () => {
  it('shows partials of the current session only and results once', () => {
    const transcript = useTranscriptStore();
    transcript.beginSession('s1');
    transcript.setPartial('s1', 'he');
    transcript.setPartial('s2', 'other');
    expect(transcript.partial).toBe('he');
    const r = record({ sessionId: 's1' });
    transcript.addResult(r);
    transcript.addResult(r);
    expect(transcript.results).toHaveLength(1);
    expect(transcript.partial).toBe('');
  });
});
