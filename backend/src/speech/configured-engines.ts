/**
 * @module configured-engines — which speech engines a server offers, built from its configuration.
 *
 * The one place that knows every engine kind; `server.ts` calls it and knows none of them. Every engine
 * is always listed: one without its model or credentials is created anyway and reports in `status()` (and
 * so in `/healthz`) what to install or set, choosing it gives that error, and the others keep serving.
 */
import type { Config } from '../config';
import type { SpeechEngine } from './engine';
import { createPocketsphinxEngine, POCKETSPHINX_STREAM_COST } from './pocketsphinx';
import { createSherpaEngine } from './sherpa';
import { createTencentEngine } from './tencent';

/** Engine names as `ASR_ENGINE` and the `engine` start option spell them. */
export const ENGINE_NAMES = ['pocketsphinx', 'sherpa-onnx', 'tencent'] as const;

/**
 * The costliest stream any configured engine can run, known before the engines exist, so the server can
 * size its session cap first and hand it to the engines (pocketsphinx keeps that many decoders). The
 * remote and sherpa-onnx engines declare no larger cost than pocketsphinx's.
 */
export const CONFIGURED_STREAM_COST = POCKETSPHINX_STREAM_COST;

/** How many streams the engines must serve at once: the server-wide session cap. */
export interface EngineCapacity {
  readonly maxStreams: number;
}

/**
 * Engines for this configuration, in the order `/healthz` lists them. The default (`ASR_ENGINE`) must be
 * among them; the registry checks that.
 *
 * @example
 * const registry = createEngineRegistry(createConfiguredEngines(config, { maxStreams: 14 }), config.asrEngine);
 */
export function createConfiguredEngines(config: Config, capacity?: EngineCapacity): SpeechEngine[] {
  const { modelDir, libraryDir } = config.pocketsphinx;
  const { sherpa, tencent } = config;
  return [
    createPocketsphinxEngine({
      ...(modelDir ? { modelDir } : {}),
      ...(capacity ? { maxStreams: capacity.maxStreams } : {}),
      ...(libraryDir
        ? {
            libraries: {
              sphinxbase: `${libraryDir}/libsphinxbase.so.3`,
              pocketsphinx: `${libraryDir}/libpocketsphinx.so.3`,
            },
          }
        : {}),
    }),
    createSherpaEngine({
      ...(sherpa.modelDir ? { modelDir: sherpa.modelDir } : {}),
      workers: sherpa.workers,
      int8: sherpa.int8,
      ...(sherpa.numThreads !== undefined ? { numThreads: sherpa.numThreads } : {}),
    }),
    createTencentEngine({
      credentials: {
        ...(tencent.appId ? { appId: tencent.appId } : {}),
        ...(tencent.secretId ? { secretId: tencent.secretId } : {}),
        ...(tencent.secretKey ? { secretKey: tencent.secretKey } : {}),
      },
      ...(tencent.endpoint ? { endpoint: tencent.endpoint } : {}),
      ...(tencent.zhModel ? { zhModel: tencent.zhModel } : {}),
    }),
  ];
}
