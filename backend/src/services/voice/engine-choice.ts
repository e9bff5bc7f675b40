/**
 * @module engine-choice — which engine and language serve a session or an upload, with errors a caller
 * can act on (unknown engine, engine not installed, unsupported language or sample rate).
 */
import { VOICE_SAMPLE_RATE } from '@realtime-voice/shared/voice';
import type { EngineRegistry, SpeechEngine } from '../../speech';
import { ServiceError } from '../errors';

export interface EngineRequest {
  readonly engine?: string | undefined;
  readonly language?: string | undefined;
  readonly sampleRate?: number | undefined;
}

export interface EngineChoice {
  readonly engine: SpeechEngine;
  /** One of the engine's own language tags. */
  readonly language: string;
}

/**
 * @example
 * const { engine, language } = chooseEngine(registry, { engine: 'pocketsphinx', language: 'en' });
 */
export function chooseEngine(engines: EngineRegistry, request: EngineRequest): EngineChoice {
  if (request.sampleRate !== undefined && request.sampleRate !== VOICE_SAMPLE_RATE) {
    throw new ServiceError(
      'UNSUPPORTED_SAMPLE_RATE',
      `audio must be ${VOICE_SAMPLE_RATE} Hz mono 16-bit PCM, not ${request.sampleRate} Hz`,
    );
  }
  const engine = engines.get(request.engine);
  if (!engine) {
    const known = engines
      .list()
      .map((e) => e.name)
      .join(', ');
    throw new ServiceError('UNKNOWN_ENGINE', `unknown engine "${request.engine}" (available: ${known})`);
  }
  const status = engine.status();
  if (!status.ready) throw new ServiceError(status.code, status.message);
  const language = matchLanguage(engine.languages, request.language);
  if (language === undefined) {
    throw new ServiceError(
      'UNSUPPORTED_LANGUAGE',
      `engine "${engine.name}" does not recognise "${request.language}" (it supports: ${engine.languages.join(', ')})`,
    );
  }
  return { engine, language };
}

/**
 * Exact tag first (case-insensitive; `zh_CN` as WeChat spells it counts as `zh-CN`), then the same
 * language with another region or script: `en` → `en-US`, `zh-Hans-CN` → `zh-CN`.
 *
 * @example
 * matchLanguage(['zh-CN', 'en-US'], 'zh_CN'); // 'zh-CN'
 */
export function matchLanguage(supported: readonly string[], wanted: string | undefined): string | undefined {
  if (wanted === undefined) return supported[0];
  const lower = wanted.replace(/_/g, '-').toLowerCase();
  const primary = lower.split('-')[0];
  return (
    supported.find((tag) => tag.toLowerCase() === lower) ??
    supported.find((tag) => tag.toLowerCase().split('-')[0] === primary)
  );
}
