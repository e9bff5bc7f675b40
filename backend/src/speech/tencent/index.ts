/**
 * @module tencent — Tencent Cloud real-time ASR (cloud, zh/en/…): signed WebSocket, paced PCM, results.
 */

export { createTencentEngine, TENCENT_LANGUAGE_MODELS, type TencentEngineOptions } from './engine';
export { parseTencentMessage, TENCENT_END_MESSAGE, TencentError, type TencentMessage } from './protocol';
export {
  buildTencentUrl,
  signingString,
  signTencent,
  TENCENT_ASR_ENDPOINT,
  TENCENT_ASR_HOST,
  type TencentCredentials,
} from './signature';
