/**
 * @module speech-corpus — the speech both capacity benches stream, so their numbers stay comparable:
 * three sentences in the flite `rms` voice, 1.2 s of silence between them.
 */
import { concatWithSilence, type SplicedAudio, synthesizeSpeech } from '../test/support/speech-audio';

export const SENTENCES = [
  'please turn on the kitchen lights',
  'how many miles is it to the nearest station',
  'call my mother tomorrow morning',
] as const;

/** The corpus as one 16 kHz PCM stream, and the reference text for word error rate. */
export async function corpusAudio(): Promise<{ audio: SplicedAudio; reference: string }> {
  const speech = await Promise.all(SENTENCES.map((text) => synthesizeSpeech(text, { voice: 'rms' })));
  const audio = concatWithSilence(
    speech.map((s) => s.pcm),
    { leadMs: 300, gapMs: 1200, tailMs: 1200 },
  );
  return { audio, reference: SENTENCES.join(' ') };
}
