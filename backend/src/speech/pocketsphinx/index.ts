/**
 * @module pocketsphinx — the default offline speech engine (Debian pocketsphinx via koffi).
 */

export {
  createPocketsphinxEngine,
  DEFAULT_MODEL_DIR,
  POCKETSPHINX_PACKAGES,
  POCKETSPHINX_STREAM_COST,
  type PocketsphinxEngine,
  type PocketsphinxEngineOptions,
} from './engine';
export type { DecodeSample } from './stream';
