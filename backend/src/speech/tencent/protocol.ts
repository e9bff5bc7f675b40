/**
 * @module tencent/protocol — the messages of Tencent Cloud real-time ASR (WebSocket, API 2.0) and what
 * their error codes mean for us.
 *
 * Every server message is one JSON text frame `{ code, message, voice_id, message_id, result?, final? }`:
 * `code: 0` with no result is the handshake reply; `result.slice_type` is 0 (utterance began), 1 (still
 * speaking) or 2 (utterance finished) — sequences 0-1…-2, 0-2 or just 2; `final: 1` means every uploaded
 * second was recognised and the server closes; a non-zero `code` is an error and the server closes.
 * The client sends binary PCM frames and, at the end, the text frame `{"type":"end"}`.
 */
import { SpeechError, type SpeechErrorCode } from '../errors';

/** One recognised utterance (or the part of it heard so far). */
export interface TencentResult {
  /** 0 = began, 1 = in progress, 2 = finished. */
  readonly slice_type: number;
  /** Utterance number in the stream, from 0. */
  readonly index: number;
  /** Milliseconds from the start of the stream's audio. */
  readonly start_time: number;
  readonly end_time: number;
  readonly voice_text_str: string;
}

export interface TencentMessage {
  readonly code: number;
  readonly message: string;
  readonly voice_id?: string;
  readonly message_id?: string;
  readonly result?: TencentResult;
  readonly final?: number;
}

/** The end-of-audio message. */
export const TENCENT_END_MESSAGE = '{"type":"end"}';

/** Parse one text frame; `undefined` when it is not a Tencent message (the caller treats that as a failure). */
export function parseTencentMessage(text: string): TencentMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.code !== 'number') return undefined;
  const message: TencentMessage = {
    code: record.code,
    message: typeof record.message === 'string' ? record.message : '',
    ...(typeof record.voice_id === 'string' ? { voice_id: record.voice_id } : {}),
    ...(typeof record.message_id === 'string' ? { message_id: record.message_id } : {}),
    ...(typeof record.final === 'number' ? { final: record.final } : {}),
  };
  const result = record.result;
  if (typeof result === 'object' && result !== null) {
    const r = result as Record<string, unknown>;
    if (typeof r.slice_type === 'number') {
      return {
        ...message,
        result: {
          slice_type: r.slice_type,
          index: typeof r.index === 'number' ? r.index : 0,
          start_time: typeof r.start_time === 'number' ? r.start_time : 0,
          end_time: typeof r.end_time === 'number' ? r.end_time : 0,
          voice_text_str: typeof r.voice_text_str === 'string' ? r.voice_text_str : '',
        },
      };
    }
  }
  return message;
}

interface CodeMeaning {
  readonly code: SpeechErrorCode;
  readonly meaning: string;
  /** The operator has to act (credentials, activation, billing): report the engine unavailable for a while. */
  readonly operator?: true;
  /** A new connection may well succeed (used for the handshake retry). */
  readonly retry?: true;
}

/** Tencent's documented error codes (API 2.0 real-time ASR, "错误码" table). */
const MEANINGS: Readonly<Record<number, CodeMeaning>> = {
  4001: { code: 'ENGINE_FAILED', meaning: 'invalid parameter' },
  4002: {
    code: 'ENGINE_UNAVAILABLE',
    meaning: 'authentication failed — check TENCENT_APP_ID, TENCENT_SECRET_ID, TENCENT_SECRET_KEY',
    operator: true,
  },
  4003: {
    code: 'ENGINE_UNAVAILABLE',
    meaning: 'the ASR service is not activated for this AppID — activate it in the console',
    operator: true,
  },
  4004: { code: 'ENGINE_UNAVAILABLE', meaning: 'no free quota or resource package left', operator: true },
  4005: { code: 'ENGINE_UNAVAILABLE', meaning: 'the account is in arrears', operator: true },
  4006: { code: 'ENGINE_BUSY', meaning: 'the account reached its concurrent-connection limit' },
  4007: { code: 'ENGINE_FAILED', meaning: 'audio could not be decoded' },
  4008: { code: 'ENGINE_TIMEOUT', meaning: 'no audio arrived for 15 s (client upload timeout)' },
  4009: { code: 'ENGINE_FAILED', meaning: 'the client connection was closed' },
  4010: { code: 'ENGINE_FAILED', meaning: 'unknown text message from the client' },
  5000: { code: 'ENGINE_FAILED', meaning: 'server error', retry: true },
  5001: { code: 'ENGINE_FAILED', meaning: 'recognition server failed', retry: true },
  5002: { code: 'ENGINE_FAILED', meaning: 'recognition server failed', retry: true },
};

/** A Tencent error as a `SpeechError`, keeping Tencent's code in `tencentCode`. */
export class TencentError extends SpeechError {
  readonly tencentCode: number;
  /** Credentials, activation or billing: retrying will not help until the operator acts. */
  readonly operatorAction: boolean;
  readonly retryable: boolean;

  constructor(tencentCode: number, serverMessage: string) {
    const meaning = MEANINGS[tencentCode];
    const detail = serverMessage ? `: ${serverMessage}` : '';
    super(
      meaning?.code ?? 'ENGINE_FAILED',
      `Tencent ASR error ${tencentCode} (${meaning?.meaning ?? 'undocumented code'})${detail}`,
    );
    this.name = 'TencentError';
    this.tencentCode = tencentCode;
    this.operatorAction = meaning?.operator === true;
    this.retryable = meaning?.retry === true || (meaning === undefined && tencentCode >= 5000);
  }
}
