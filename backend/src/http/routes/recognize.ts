/**
 * @module recognize routes — `POST /api/recognize?engine=&language=`: transcribe an uploaded recording.
 *
 * Body: `audio/wav` (16 kHz mono 16-bit PCM), raw `audio/L16;rate=16000` (big-endian per RFC 2586;
 * add `;endianness=little-endian` for little-endian), or `audio/mpeg` / `audio/mp3` (any MPEG rate, mono or
 * stereo: decoded and resampled to 16 kHz). Anything else: 415. Bigger than the limit: 413.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ServiceError } from '../../services/errors';
import type { FileRecognizer, UploadEncoding } from '../../services/voice/recognize-file';
import type { AppEnv } from '../env';
import { errorResponse } from '../errors';

const WAV_TYPES = new Set(['audio/wav', 'audio/wave', 'audio/x-wav', 'audio/vnd.wave']);
const MP3_TYPES = new Set(['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3']);
const ACCEPTED = 'send audio/wav (16 kHz mono 16-bit PCM), audio/L16;rate=16000 or audio/mpeg (mp3)';

export interface RecognizeRoutesOptions {
  readonly recognizer: FileRecognizer;
  readonly maxBytes: number;
}

export function recognizeRoutes(options: RecognizeRoutesOptions) {
  return new Hono<AppEnv>().post(
    '/',
    bodyLimit({
      maxSize: options.maxBytes,
      onError: (c) =>
        errorResponse(c, 'PAYLOAD_TOO_LARGE', `uploads are limited to ${options.maxBytes} bytes`),
    }),
    async (c) => {
      const encoding = uploadEncoding(c.req.header('content-type'));
      const engine = c.req.query('engine');
      const language = c.req.query('language');
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const result = await options.recognizer.recognize({
        userId: c.get('identity').userId,
        bytes,
        encoding,
        engine: engine || undefined,
        language: language || undefined,
      });
      return c.json(result);
    },
  );
}

/** Maps a Content-Type to an encoding, or throws 415 saying what is accepted. */
export function uploadEncoding(contentType: string | undefined): UploadEncoding {
  if (!contentType) throw unsupported(`no Content-Type: ${ACCEPTED}`);
  const [rawType = '', ...rawParams] = contentType.split(';');
  const type = rawType.trim().toLowerCase();
  const params = new Map<string, string>();
  for (const param of rawParams) {
    const [key = '', value = ''] = param.split('=');
    params.set(key.trim().toLowerCase(), value.trim().replace(/^"|"$/g, '').toLowerCase());
  }
  if (WAV_TYPES.has(type)) return 'wav';
  if (MP3_TYPES.has(type)) return 'mp3';
  if (type !== 'audio/l16')
    throw unsupported(`unsupported Content-Type ${JSON.stringify(type)}: ${ACCEPTED}`);
  const rate = params.get('rate');
  if (rate !== '16000') {
    throw unsupported(
      `audio/L16 must be 16 kHz: add ;rate=16000 (got ${rate === undefined ? 'no rate' : rate})`,
    );
  }
  const channels = params.get('channels');
  if (channels !== undefined && channels !== '1')
    throw unsupported(`audio/L16 must be mono (channels=${channels})`);
  const endianness = params.get('endianness') ?? 'big-endian';
  if (endianness === 'big-endian') return 'l16-be';
  if (endianness === 'little-endian') return 'l16-le';
  throw unsupported(`audio/L16 endianness must be big-endian or little-endian (got ${endianness})`);
}

function unsupported(message: string): ServiceError {
  return new ServiceError('UNSUPPORTED_MEDIA_TYPE', message);
}
