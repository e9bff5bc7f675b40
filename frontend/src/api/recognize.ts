/**
 * @module api/recognize — `POST /api/recognize`: recognition of a whole recording, for platforms whose
 * recorder yields no frames (Baidu, Alipay before 10.1.80). The result is stored like a live session's.
 *
 * The server takes the recording as the raw request body, typed by `Content-Type` (`audio/wav`,
 * `audio/L16;rate=16000`, `audio/mpeg`); other formats (aac) are answered 415 with a message the page
 * shows as it is — so file recorders should record mp3.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import type { ApiRequest } from './client';

const MIME: Readonly<Record<string, string>> = {
  wav: 'audio/wav',
  pcm: 'audio/L16;rate=16000;endianness=little-endian',
  aac: 'audio/aac',
  mp3: 'audio/mpeg',
};

export async function recognizeRecording(
  request: ApiRequest,
  bytes: ArrayBuffer,
  format: string,
): Promise<readonly TranscriptRecord[]> {
  const data = (await request({
    method: 'POST',
    path: '/api/recognize',
    body: bytes,
    headers: { 'content-type': MIME[format] ?? `audio/${format}` },
  })) as { records?: unknown } | null;
  return Array.isArray(data?.records) ? (data.records as TranscriptRecord[]) : [];
}
