/**
 * @module sherpa — sherpa-onnx streaming zipformer (offline, zh + en): model checks, probe, worker pool.
 */

export { createSherpaEngine, recognizerConfig, type SherpaEngine, type SherpaEngineOptions } from './engine';
export {
  CHECKSUM_FILE,
  findModelFiles,
  type ModelCheck,
  parseChecksums,
  RECOMMENDED_MODEL,
  type SherpaModelFiles,
  sha256File,
  verifyChecksums,
} from './model';
export { type ProbeResult, probeModel } from './probe';
