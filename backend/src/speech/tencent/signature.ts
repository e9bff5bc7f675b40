/**
 * @module tencent/signature — the signed WebSocket URL of Tencent Cloud real-time ASR (API 2.0).
 *
 * Tencent's rule: sort every query parameter except `signature` by name, join them as `k=v&…` behind
 * `<host>/asr/v2/<appid>?` (no scheme, values as they are), HMAC-SHA1 that text with the SecretKey,
 * base64 it, and append it URL-encoded as `signature`. The documented test vector is in
 * `docs/engines.md` and `backend/test/speech-tencent.test.ts`.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';

/** The three values from the Tencent Cloud console (API key management). */
export interface TencentCredentials {
  readonly appId: string;
  readonly secretId: string;
  readonly secretKey: string;
}

/** The public endpoint; tests and proxies pass another (`ws://127.0.0.1:port`). */
export const TENCENT_ASR_ENDPOINT = 'wss://asr.cloud.tencent.com';

/**
 * The host in the signing string. Tencent checks the signature against its own host, so it stays this
 * whatever `endpoint` the connection goes to (a proxy forwards the query, signature included, unchanged).
 */
export const TENCENT_ASR_HOST = 'asr.cloud.tencent.com';

/**
 * The text Tencent signs: `<host>/asr/v2/<appid>?<sorted params>` with raw (not URL-encoded) values.
 *
 * @example
 * signingString('asr.cloud.tencent.com', '1259228442', { voice_format: '1', engine_model_type: '16k_zh' });
 * // 'asr.cloud.tencent.com/asr/v2/1259228442?engine_model_type=16k_zh&voice_format=1'
 */
export function signingString(host: string, appId: string, params: Readonly<Record<string, string>>): string {
  const query = Object.keys(params)
    .filter((key) => key !== 'signature')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
  return `${host}/asr/v2/${appId}?${query}`;
}

/**
 * Base64 HMAC-SHA1 of `text` with the SecretKey (not yet URL-encoded).
 *
 * @example
 * const signature = signTencent(secretKey, signingString(host, appId, params));
 */
export function signTencent(secretKey: string, text: string): string {
  return createHmac('sha1', secretKey).update(text, 'utf8').digest('base64');
}

export interface TencentUrlOptions {
  readonly credentials: TencentCredentials;
  /** Recognition parameters (`engine_model_type`, `voice_format`, `needvad`, …). */
  readonly params: Readonly<Record<string, string>>;
  /** Where to connect (default `wss://asr.cloud.tencent.com`); the signature still names `TENCENT_ASR_HOST`. */
  readonly endpoint?: string;
  /** Seconds since the epoch (default now). */
  readonly timestamp?: number;
  /** How long the signature stays valid (default one day; Tencent allows less than 90 days). */
  readonly validSeconds?: number;
  readonly nonce?: number;
  readonly voiceId?: string;
}

/** A signed URL and the `voice_id` it carries. */
export interface SignedTencentUrl {
  readonly url: string;
  readonly voiceId: string;
}

/**
 * Build the signed `wss://…/asr/v2/<appid>?…&signature=…` URL for one recognition stream.
 *
 * @example
 * const { url, voiceId } = buildTencentUrl({ credentials, params: { engine_model_type: '16k_zh', voice_format: '1' } });
 * const socket = new WebSocket(url);
 */
export function buildTencentUrl(options: TencentUrlOptions): SignedTencentUrl {
  const endpoint = new URL(options.endpoint ?? TENCENT_ASR_ENDPOINT);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const voiceId = options.voiceId ?? newVoiceId();
  const params: Record<string, string> = {
    ...options.params,
    secretid: options.credentials.secretId,
    timestamp: String(timestamp),
    expired: String(timestamp + (options.validSeconds ?? 86_400)),
    // "A random positive integer, at most 10 digits."
    nonce: String(options.nonce ?? randomInt(1, 2 ** 31 - 1)),
    voice_id: voiceId,
  };
  const signature = signTencent(
    options.credentials.secretKey,
    signingString(TENCENT_ASR_HOST, options.credentials.appId, params),
  );
  const query = Object.keys(params)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key]!)}`)
    .join('&');
  const base = `${endpoint.protocol}//${endpoint.host}/asr/v2/${encodeURIComponent(options.credentials.appId)}`;
  return { url: `${base}?${query}&signature=${encodeURIComponent(signature)}`, voiceId };
}

/** A fresh `voice_id`: 16 hex digits suffice ("a 16-character string, unique per audio"); we use 32. */
export function newVoiceId(): string {
  return randomBytes(16).toString('hex');
}
