/**
 * @module speech-corpus — the sentences both capacity benches speak (flite `rms` voice), so their numbers
 * stay comparable.
 */
export const SENTENCES = [
  'please turn on the kitchen lights',
  'how many miles is it to the nearest station',
  'call my mother tomorrow morning',
] as const;
