/**
 * @module registry — the set of speech engines a server offers, and which one is the default.
 *
 * The server builds one registry at start from its configuration (`ASR_ENGINE` names the default) and
 * resolves the per-session `engine` option through it; engines themselves know nothing of each other.
 */

import type { SpeechEngine } from './engine';
import { SpeechError } from './errors';

/** Engines by name, with a default. */
export interface EngineRegistry {
  /** The named engine, or the default when `name` is omitted; `undefined` for an unknown name. */
  get(name?: string): SpeechEngine | undefined;
  /** All engines in registration order. */
  list(): SpeechEngine[];
  readonly defaultEngine: SpeechEngine;
  /** Close every engine (at server shutdown). */
  close(): Promise<void>;
}

/**
 * Build a registry; it owns the engines from here on. Throws a `SpeechError` when names repeat
 * (`ENGINE_REGISTERED_TWICE`) or `defaultName` is not among the engines (`UNKNOWN_ENGINE`, e.g. a mistyped
 * `ASR_ENGINE`) — mistakes that should stop the server at start, not surface at the first session. Before
 * throwing it closes the engines it was given (they may already be loading a model in workers or a child
 * process, and nobody else holds them to close).
 *
 * @example
 * const registry = createEngineRegistry([createPocketsphinxEngine()], 'pocketsphinx');
 * const engine = registry.get(options.engine); // undefined → UNKNOWN_ENGINE
 */
export function createEngineRegistry(engines: readonly SpeechEngine[], defaultName: string): EngineRegistry {
  const refuse = (error: SpeechError): never => {
    for (const engine of engines) engine.close().catch(() => undefined);
    throw error;
  };
  const byName = new Map<string, SpeechEngine>();
  for (const engine of engines) {
    if (byName.has(engine.name)) {
      refuse(
        new SpeechError('ENGINE_REGISTERED_TWICE', `Speech engine "${engine.name}" is registered twice.`),
      );
    }
    byName.set(engine.name, engine);
  }
  const defaultEngine = byName.get(defaultName);
  if (!defaultEngine) {
    const known = [...byName.keys()].join(', ') || 'none';
    return refuse(
      new SpeechError(
        'UNKNOWN_ENGINE',
        `Default speech engine "${defaultName}" (ASR_ENGINE) is not registered (known: ${known}).`,
      ),
    );
  }
  return {
    get: (name) => (name === undefined ? defaultEngine : byName.get(name)),
    list: () => [...byName.values()],
    defaultEngine,
    close: async () => {
      await Promise.all([...byName.values()].map((engine) => engine.close()));
    },
  };
}
