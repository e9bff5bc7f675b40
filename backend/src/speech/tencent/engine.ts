/**
 * @module tencent/engine — Tencent Cloud real-time ASR (WebSocket API 2.0) as a `SpeechEngine`.
 *
 * Each stream is one signed WebSocket connection (`voice_format=1`: 16 kHz 16-bit PCM). Without
 * credentials the engine still exists and `status()` says which variables to set. When Tencent answers
 * with an error only the operator can fix (authentication, activation, quota, arrears) the engine reports
 * itself unavailable with that reason for `operatorCooldownMs`, so `/healthz` shows it and new sessions
 * get the reason at once instead of each paying a round trip; the next attempt after that tries again.
 */
import type {
  EngineStatus,
  SpeechEngine,
  SpeechStream,
  SpeechStreamListener,
  SpeechStreamOptions,
} from '../engine';
import { SpeechError } from '../errors';
import { TencentError } from './protocol';
import { buildTencentUrl, TENCENT_ASR_ENDPOINT, type TencentCredentials } from './signature';
import { openTencentSocket, TencentStream } from './stream';

/** Our language tags and Tencent's 16 kHz `engine_model_type` for each; the first is the default. */
export const TENCENT_LANGUAGE_MODELS: Readonly<Record<string, string>> = {
  'zh-CN': '16k_zh',
  'en-US': '16k_en',
  'zh-TW': '16k_zh-TW',
  'ja-JP': '16k_ja',
  'ko-KR': '16k_ko',
};

export interface TencentEngineOptions {
  /** Missing or partial credentials leave the engine unavailable (with a message saying what to set). */
  readonly credentials?: Partial<TencentCredentials>;
  /** Default `wss://asr.cloud.tencent.com`; tests point it at a local server. */
  readonly endpoint?: string;
  /** Replaces the `engine_model_type` for zh-CN (e.g. `16k_zh_large`, `16k_zh_medical`). */
  readonly zhModel?: string;
  /** Extra query parameters, e.g. `{ filter_modal: '1', hotword_id: '…' }`. */
  readonly params?: Readonly<Record<string, string>>;
  /** Handshake timeout per attempt (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Connection attempts before a stream fails (default 2), for network and 5xxx errors only. */
  readonly connectAttempts?: number;
  /** Delay before the second attempt (default 300 ms, doubled per attempt). */
  readonly retryDelayMs?: number;
  /** Wait for `final: 1` after the end of audio at most this long (default 15 s). */
  readonly finalTimeoutMs?: number;
  /** Audio per frame (default 40 ms, Tencent's recommendation). */
  readonly packetMs?: number;
  /** How far audio may run ahead of real time (default 200 ms). */
  readonly leadMs?: number;
  /** Audio ms per wall ms (default 1 = Tencent's 1:1 real-time rule). Only tests change it. */
  readonly paceRate?: number;
  /** Silence frame after this long without audio, so a paused client keeps its stream (default 3 s; 0 = off). */
  readonly keepAliveMs?: number;
  /** How long an authentication/activation/billing error marks the engine unavailable (default 60 s). */
  readonly operatorCooldownMs?: number;
}

const SAMPLE_RATE = 16_000;
const ENV_HINT = 'TENCENT_APP_ID, TENCENT_SECRET_ID and TENCENT_SECRET_KEY';
const ENV_NAMES = {
  appId: 'TENCENT_APP_ID',
  secretId: 'TENCENT_SECRET_ID',
  secretKey: 'TENCENT_SECRET_KEY',
} as const;

/**
 * Create the Tencent Cloud engine. Never throws for missing credentials: check `status()`.
 *
 * @example
 * const engine = createTencentEngine({ credentials: { appId, secretId, secretKey } });
 * const stream = await engine.createStream({ sampleRate: 16000, language: 'zh-CN' }, listener);
 */
export function createTencentEngine(options: TencentEngineOptions = {}): SpeechEngine {
  const given = options.credentials ?? {};
  const missing = (['appId', 'secretId', 'secretKey'] as const).filter((key) => !given[key]);
  const credentials: TencentCredentials | undefined =
    missing.length === 0
      ? { appId: given.appId!, secretId: given.secretId!, secretKey: given.secretKey! }
      : undefined;
  const setup: EngineStatus = credentials
    ? { ready: true }
    : {
        ready: false,
        code: 'ENGINE_UNAVAILABLE',
        message:
          `Tencent Cloud ASR needs credentials: set ${ENV_HINT} (Tencent Cloud console, API key management); ` +
          `missing: ${missing.map((key) => ENV_NAMES[key]).join(', ')}.`,
      };
  const models: Readonly<Record<string, string>> = {
    ...TENCENT_LANGUAGE_MODELS,
    ...(options.zhModel ? { 'zh-CN': options.zhModel } : {}),
  };
  const languages = Object.keys(models);
  const cooldownMs = options.operatorCooldownMs ?? 60_000;
  let operatorError: { error: TencentError; until: number } | undefined;
  let closed = false;
  /** Aborted by `close()`: ends handshakes in flight and retry waits. */
  const closing = new AbortController();
  const streams = new Set<SpeechStream>();

  const status = (): EngineStatus => {
    if (closed) return { ready: false, code: 'ENGINE_CLOSED', message: 'The Tencent engine is closed.' };
    if (!setup.ready) return setup;
    if (operatorError && performance.now() < operatorError.until) {
      return { ready: false, code: operatorError.error.code, message: operatorError.error.message };
    }
    return setup;
  };
  const noteFailure = (error: SpeechError) => {
    if (error instanceof TencentError && error.operatorAction) {
      operatorError = { error, until: performance.now() + cooldownMs };
    }
  };

  async function connect(language: string) {
    const attempts = Math.max(1, options.connectAttempts ?? 2);
    let delay = options.retryDelayMs ?? 300;
    for (let attempt = 1; ; attempt += 1) {
      const { url } = buildTencentUrl({
        credentials: credentials!,
        endpoint: options.endpoint ?? TENCENT_ASR_ENDPOINT,
        params: {
          needvad: '1',
          convert_num_mode: '1',
          word_info: '0',
          ...options.params,
          engine_model_type: models[language]!,
          voice_format: '1',
        },
      });
      try {
        return await openTencentSocket(url, options.handshakeTimeoutMs ?? 10_000, closing.signal);
      } catch (error) {
        const again =
          attempt < attempts &&
          typeof error === 'object' &&
          error !== null &&
          (error as { retryable?: boolean }).retryable === true;
        if (!again) throw error;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            closing.signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, delay);
          closing.signal.addEventListener('abort', done, { once: true });
        });
        delay *= 2;
        if (closed) throw new SpeechError('ENGINE_CLOSED', 'The Tencent engine is closed.');
      }
    }
  }

  return {
    name: 'tencent',
    languages,
    status,

    async createStream(
      streamOptions: SpeechStreamOptions,
      listener: SpeechStreamListener,
    ): Promise<SpeechStream> {
      const now = status();
      if (!now.ready) {
        throw new SpeechError(
          now.code === 'ENGINE_CLOSED' ? 'ENGINE_CLOSED' : 'ENGINE_UNAVAILABLE',
          now.message,
        );
      }
      if (streamOptions.sampleRate !== SAMPLE_RATE) {
        throw new SpeechError(
          'UNSUPPORTED_SAMPLE_RATE',
          `Tencent ASR is used with 16000 Hz audio here, not ${streamOptions.sampleRate} Hz.`,
        );
      }
      const language = streamOptions.language ?? languages[0]!;
      if (!models[language]) {
        throw new SpeechError(
          'UNSUPPORTED_LANGUAGE',
          `Tencent ASR is configured for ${languages.join(', ')}, not "${language}".`,
        );
      }
      let socket: Awaited<ReturnType<typeof connect>>;
      try {
        socket = await connect(language);
      } catch (error) {
        if (error instanceof SpeechError) noteFailure(error);
        throw error;
      }
      if (closed) {
        socket.terminate();
        throw new SpeechError('ENGINE_CLOSED', 'The Tencent engine is closed.');
      }
      operatorError = undefined;
      const stream = new TencentStream(
        socket,
        listener,
        {
          packetMs: options.packetMs ?? 40,
          leadMs: options.leadMs ?? 200,
          paceRate: options.paceRate ?? 1,
          finalTimeoutMs: options.finalTimeoutMs ?? 15_000,
          keepAliveMs: options.keepAliveMs ?? 3_000,
          sampleRate: SAMPLE_RATE,
        },
        noteFailure,
      );
      streams.add(stream);
      const release = () => streams.delete(stream);
      return {
        write: (pcm) => stream.write(pcm),
        flush: () => stream.flush().finally(release),
        close: () => stream.close().finally(release),
      };
    },

    async close() {
      closed = true;
      closing.abort();
      await Promise.all([...streams].map((stream) => stream.close()));
      streams.clear();
    },
  };
}
