/**
 * @module voice-input — validation of what clients send on the voice namespace. Payloads arrive untyped
 * from the wire; these turn them into typed values or a `VoiceError`, never an exception.
 */
import {
  AUDIO_FORMATS,
  type AudioFormat,
  type StartOptions,
  type VoiceError,
} from '@realtime-voice/shared/voice';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: VoiceError };

const MAX_TAG_LENGTH = 64;

/**
 * `start` options: an object (or nothing) with optional `format` (`pcm16le` or `mp3`), `sampleRate`
 * (number), `language` and `engine` (short strings). Unknown keys are ignored so newer clients keep
 * working. With `mp3` the sample rate is dropped: the stream's frame headers carry the real one.
 *
 * @example
 * parseStartOptions({ format: 'mp3', language: 'en-US' }); // { ok: true, value: { format: 'mp3', language: 'en-US' } }
 */
export function parseStartOptions(value: unknown): Parsed<StartOptions> {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value) || isBinary(value)) {
    return invalid('start options must be an object like { sampleRate: 16000, language: "en-US" }');
  }
  const { format, sampleRate, language, engine } = value as Record<string, unknown>;
  if (format !== undefined && !isAudioFormat(format)) {
    return invalid(
      `start options: format must be one of ${AUDIO_FORMATS.map((f) => `"${f}"`).join(', ')} (got ${describe(format)})`,
    );
  }
  if (sampleRate !== undefined && (typeof sampleRate !== 'number' || !Number.isFinite(sampleRate))) {
    return invalid('start options: sampleRate must be a number (16000)');
  }
  if (language !== undefined && !isTag(language)) {
    return invalid(
      `start options: language must be a language tag such as "en-US" (≤ ${MAX_TAG_LENGTH} chars)`,
    );
  }
  if (engine !== undefined && !isTag(engine)) {
    return invalid(
      `start options: engine must be an engine name such as "pocketsphinx" (≤ ${MAX_TAG_LENGTH} chars)`,
    );
  }
  return {
    ok: true,
    value: {
      ...(format === undefined ? {} : { format }),
      ...(sampleRate === undefined || format === 'mp3' ? {} : { sampleRate: sampleRate as number }),
      ...(language === undefined ? {} : { language: language as string }),
      ...(engine === undefined ? {} : { engine: engine as string }),
    },
  };
}

/** An `audio` chunk: any binary (Buffer, ArrayBuffer, TypedArray, DataView) as bytes; anything else fails. */
export function parseAudioChunk(value: unknown): Parsed<Uint8Array> {
  if (value instanceof Uint8Array) return { ok: true, value };
  if (value instanceof ArrayBuffer) return { ok: true, value: new Uint8Array(value) };
  if (ArrayBuffer.isView(value)) {
    return { ok: true, value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  }
  return {
    ok: false,
    error: {
      code: 'BAD_AUDIO',
      message: `audio must be binary (ArrayBuffer, TypedArray or Buffer) in the session's format, got ${describe(value)}`,
    },
  };
}

function isAudioFormat(value: unknown): value is AudioFormat {
  return (AUDIO_FORMATS as readonly unknown[]).includes(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 20));
  return typeof value;
}

function isBinary(value: object): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function isTag(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= MAX_TAG_LENGTH && /^[\w.-]+$/.test(value)
  );
}

function invalid(message: string): Parsed<never> {
  return { ok: false, error: { code: 'BAD_REQUEST', message } };
}
