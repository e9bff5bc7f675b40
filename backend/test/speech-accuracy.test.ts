/**
 * @module speech-accuracy.test — our recognition paths against the engine's own CLI on recorded human
 * speech (Debian `pocketsphinx-testdata`, see `support/human-speech`), in one run: the same library and
 * model, so any gap is ours (issue 16).
 *
 * Both sides are measured here, never hard-coded: an upload (`POST /api/recognize`, WAV) must score the
 * CLI's corpus word error rate within 1 point, a live session (100 ms chunks through a Socket.IO session)
 * within 2 points. Uploads decode each utterance as a whole (decision 0052), which on this speech is far
 * better than any live decoding: that margin is checked too, and that a long upload keeps its utterances.
 */
import { readFile } from 'node:fs/promises';
import type { StartAck, StopAck, TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, parseWav } from '../src/audio/wav';
import type { RunningServer } from '../src/server';
import { connectClient } from './support/clients';
import { callApi } from './support/http';
import {
  cliTranscript,
  corpusWer,
  type HumanClip,
  humanSpeechClips,
  humanSpeechUnavailable,
} from './support/human-speech';
import { startTestServer } from './support/server';
import { concatWithSilence } from './support/speech-audio';
import { tokenFor } from './support/tokens';

const unavailable = humanSpeechUnavailable();
let server: RunningServer;
let clips: HumanClip[] = [];
let cliWer = Number.NaN;
let uploadWer = Number.NaN;
let liveWer = Number.NaN;

const points = (wer: number) => (wer * 100).toFixed(1);

// Not skipped when the data is missing: scripts/setup.sh installs it, and a silent skip would hide a gap.
describe('accuracy on recorded human speech against pocketsphinx_continuous', () => {
  beforeAll(async () => {
    if (unavailable) throw new Error(unavailable);
    clips = humanSpeechClips();
    const cli: string[] = [];
    for (const clip of clips) cli.push(await cliTranscript(clip.path));
    cliWer = corpusWer(clips, cli);
    server = await startTestServer({ env: { ASR_ENGINE: 'pocketsphinx' }, engines: 'configured' });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('an uploaded WAV scores the CLI word error rate within 1 point', async () => {
    const hypotheses: string[] = [];
    for (const clip of clips) {
      const result = await callApi(server, '/api/recognize', {
        method: 'POST',
        user: 'reader',
        body: await readFile(clip.path),
        headers: { 'content-type': 'audio/wav' },
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      const { records } = result.body as { records: TranscriptRecord[] };
      hypotheses.push(records.map((r) => r.text).join(' '));
    }
    uploadWer = corpusWer(clips, hypotheses);
    expect(
      uploadWer,
      `upload WER ${points(uploadWer)}% vs CLI ${points(cliWer)}%: ${hypotheses.join(' | ')}`,
    ).toBeLessThanOrEqual(cliWer + 0.01);
  }, 120_000);

  it('a live session (100 ms chunks over Socket.IO) scores the CLI word error rate within 2 points', async () => {
    const socket = await connectClient('ours', server.url, { auth: { token: await tokenFor('reader') } });
    const hypotheses: string[] = [];
    try {
      for (const clip of clips) {
        const { pcm } = parseWav(await readFile(clip.path));
        const started = await socket.ack<StartAck>('start', { sampleRate: 16000, language: 'en-US' });
        expect(started.ok).toBe(true);
        for (let offset = 0; offset < pcm.length; offset += 3200) {
          socket.emit('audio', pcm.subarray(offset, offset + 3200));
        }
        const stopped = await socket.ack<StopAck>('stop');
        expect(stopped.ok).toBe(true);
        hypotheses.push(stopped.ok ? stopped.records.map((r) => r.text).join(' ') : '');
      }
    } finally {
      socket.close();
    }
    liveWer = corpusWer(clips, hypotheses);
    expect(
      liveWer,
      `live WER ${points(liveWer)}% vs CLI ${points(cliWer)}%: ${hypotheses.join(' | ')}`,
    ).toBeLessThanOrEqual(cliWer + 0.02);
  }, 120_000);

  it('an upload decodes each utterance as a whole: clearly better than live decoding of the same clips', () => {
    expect(Number.isNaN(uploadWer) || Number.isNaN(liveWer)).toBe(false);
    // Measured 22.8% against 39.1%; whole-utterance normalisation lost would bring it back to the live figure.
    expect(uploadWer, `upload ${points(uploadWer)}% vs live ${points(liveWer)}%`).toBeLessThanOrEqual(
      liveWer - 0.05,
    );
  });

  it('a long upload (all clips, 1 s apart) keeps one record per utterance, in order, with its timing', async () => {
    const audio = concatWithSilence(
      await Promise.all(clips.map(async (clip) => parseWav(await readFile(clip.path)).pcm)),
      { leadMs: 300, gapMs: 1000, tailMs: 800 },
    );
    const result = await callApi(server, '/api/recognize', {
      method: 'POST',
      user: 'reader',
      body: encodeWav(audio.pcm),
      headers: { 'content-type': 'audio/wav' },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const { records } = result.body as { records: TranscriptRecord[] };
    expect(records).toHaveLength(clips.length);
    const text = records.map((r) => r.text).join(' ');
    const wer = corpusWer(
      [{ id: 'all', path: '', reference: clips.map((c) => c.reference).join(' ') }],
      [text],
    );
    expect(wer, text).toBeLessThanOrEqual(cliWer + 0.01);
    for (const [i, record] of records.entries()) {
      // Each record spans about its clip: within the detector's lead and hangover of the spoken length.
      expect(record.audioMs).toBeGreaterThan(
        audio.segments[i]!.speechEndMs - audio.segments[i]!.speechStartMs - 1000,
      );
    }
  }, 120_000);
});
