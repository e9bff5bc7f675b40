/**
 * @module speech — speech recognition behind one streaming interface: engines, their registry, WAV input.
 *
 * The server imports from here only; engine internals (native bindings, decoder pumps) stay private.
 */

export type {
  CreateStreamControl,
  EngineStatus,
  FinalHypothesis,
  SpeechEngine,
  SpeechPurpose,
  SpeechStream,
  SpeechStreamListener,
  SpeechStreamOptions,
} from './engine';
export { abortedError, isSpeechError, SpeechError, type SpeechErrorCode } from './errors';
export {
  createPocketsphinxEngine,
  DEFAULT_MODEL_DIR,
  type DecodeSample,
  POCKETSPHINX_PACKAGES,
  type PocketsphinxEngine,
  type PocketsphinxEngineOptions,
} from './pocketsphinx';
export { createEngineRegistry, type EngineRegistry } from './registry';
export {
  createSherpaEngine,
  RECOMMENDED_MODEL,
  type SherpaEngine,
  type SherpaEngineOptions,
} from './sherpa';
export {
  createTencentEngine,
  TENCENT_LANGUAGE_MODELS,
  type TencentCredentials,
  type TencentEngineOptions,
} from './tencent';
