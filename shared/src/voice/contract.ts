/**
 * @module contract — the `/realtime-voice` namespace, defined once for backend and frontend.
 *
 * Audio is sent as binary chunks (`audio` events) in the format named by `start`: 16 kHz, mono, 16-bit
 * little-endian PCM (`pcm16le`, the default), or an MPEG audio (mp3) byte stream (`mp3`) for recorders that
 * give nothing else (Alipay). mp3 chunks may cut frames anywhere; the server decodes and resamples them.
 */

import type { ErrorCode } from './errors';

/** The Socket.IO namespace of the voice protocol. */
export const VOICE_NAMESPACE = '/realtime-voice';

/** The only PCM sample rate the protocol carries (mp3 may use any MPEG rate: the server resamples). */
export const VOICE_SAMPLE_RATE = 16_000;

/** Audio formats an `audio` stream may carry, named in `start`. */
export const AUDIO_FORMATS = ['pcm16le', 'mp3'] as const;

/** `pcm16le`: 16 kHz mono 16-bit little-endian PCM. `mp3`: an MPEG-1/2/2.5 audio byte stream. */
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** The format when `start` names none. */
export const DEFAULT_AUDIO_FORMAT: AudioFormat = 'pcm16le';

/** An error as it travels in acks and `session-error` events. */
export interface VoiceError {
  /** Stable machine-readable code from the catalogue (`ERROR_CATALOGUE`), e.g. `NO_SESSION`, `LIMIT_BYTES`. */
  readonly code: ErrorCode;
  /** Human-readable explanation, safe to show. */
  readonly message: string;
}

/**
 * Codes of the server's limits (issue 12): each is a refusal a client can act on.
 * - `LIMIT_SESSIONS` — `start` (or an upload): the user already has the most live sessions allowed per user;
 *   stop one (on another device or tab) first.
 * - `ENGINE_BUSY` — `start` (or an upload): the server is at its live-session cap or its start queue is
 *   full; try again shortly (or another instance).
 * - `LIMIT_RATE` — `session-error`: audio arrived faster than the per-connection rate; the session ended,
 *   what came before is stored.
 * - `RATE_LIMITED` — an event beyond the per-connection event rate was refused, not handled.
 * - `TOO_MANY_INVALID_EVENTS` — `session-error` before the server disconnects a socket that kept sending
 *   invalid events.
 * - `TOKEN_EXPIRED` — `session-error` before the server disconnects a socket whose token expired (also a
 *   CONNECT_ERROR code): get a new token and connect again.
 * - `NAMESPACE_REFUSED` — CONNECT_ERROR for any namespace but `/realtime-voice` (also `/`).
 */
export const LIMIT_ERROR_CODES = [
  'LIMIT_SESSIONS',
  'ENGINE_BUSY',
  'LIMIT_RATE',
  'RATE_LIMITED',
  'TOO_MANY_INVALID_EVENTS',
  'TOKEN_EXPIRED',
  'NAMESPACE_REFUSED',
] as const satisfies readonly ErrorCode[];

export type LimitErrorCode = (typeof LIMIT_ERROR_CODES)[number];

/** One finished utterance, stored before it is announced. */
export interface TranscriptRecord {
  readonly id: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly text: string;
  readonly language: string;
  readonly engine: string;
  /** Duration of the utterance's audio in milliseconds. */
  readonly audioMs: number;
  /** Milliseconds from the end of the utterance's audio reaching the server to the final text. */
  readonly latencyMs: number;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
}

/** Options of `start`. */
export interface StartOptions {
  /** Format of the `audio` chunks; default `pcm16le`. */
  readonly format?: AudioFormat;
  /** Must be 16000 when given (with `mp3` it is ignored: the stream says its own rate). */
  readonly sampleRate?: number;
  /** BCP 47 language tag; defaults to the engine's first language. */
  readonly language?: string;
  /** Engine name; defaults to the server's `ASR_ENGINE`. */
  readonly engine?: string;
}

export type StartAck = { readonly ok: true; readonly sessionId: string } | VoiceFailure;
export type StopAck = { readonly ok: true; readonly records: readonly TranscriptRecord[] } | VoiceFailure;
export interface VoiceFailure {
  readonly ok: false;
  readonly error: VoiceError;
}

/** A binary audio chunk (PCM or mp3 bytes, per `start`) as either side may hold it. */
export type AudioChunk = ArrayBuffer | ArrayBufferView;

/** Events the client sends to the server. */
export interface VoiceClientToServerEvents {
  start: (options: StartOptions, ack: (response: StartAck) => void) => void;
  audio: (chunk: AudioChunk) => void;
  stop: (ack: (response: StopAck) => void) => void;
}

/** Events the server sends to the client. */
export interface VoiceServerToClientEvents {
  /** Hypothesis while speaking; it may change. */
  partial: (payload: { readonly sessionId: string; readonly text: string }) => void;
  /** A finished utterance; already stored. */
  result: (payload: { readonly sessionId: string; readonly record: TranscriptRecord }) => void;
  /** Something went wrong with a session or an event; the connection stays up. */
  'session-error': (payload: VoiceError & { readonly sessionId?: string }) => void;
  /** A new record was stored for this user (sent to all of the user's connections). */
  'history:new': (record: TranscriptRecord) => void;
}
