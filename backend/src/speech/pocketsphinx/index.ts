/**
 * @module pocketsphinx — the default offline speech engine (Debian pocketsphinx via koffi).
 */

export {
  createPocketsphinxEngine,
  DEFAULT_MODEL_DIR,
  POCKETSPHINX_PACKAGES,
  type PocketsphinxEngine,
  type PocketsphinxEngineOptions,
} from './engine';
export type { DecodeSample } from './stream';
