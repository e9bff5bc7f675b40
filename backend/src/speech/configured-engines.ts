/**
 * @module configured-engines — which speech engines a server offers, built from its configuration.
 *
 * The one place that knows every engine kind; `server.ts` calls it and knows none of them.
 */
import type { Config } from '../config';
import type { SpeechEngine } from './engine';
import { createPocketsphinxEngine } from './pocketsphinx';

/**
 * Engines for this configuration, in the order `/healthz` lists them. The default (`ASR_ENGINE`) must be
 * among them; the registry checks that.
 *
 * @example
 * const registry = createEngineRegistry(createConfiguredEngines(config), config.asrEngine);
 */
export function createConfiguredEngines(config: Config): SpeechEngine[] {
  const { modelDir, libraryDir } = config.pocketsphinx;
  return [
    createPocketsphinxEngine({
      ...(modelDir ? { modelDir } : {}),
      ...(libraryDir
        ? {
            libraries: {
              sphinxbase: `${libraryDir}/libsphinxbase.so.3`,
              pocketsphinx: `${libraryDir}/libpocketsphinx.so.3`,
            },
          }
        : {}),
    }),
  ];
}
