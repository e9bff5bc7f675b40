/**
 * @module sherpa-api — TypeScript declarations for the parts of `sherpa-onnx-node@1.13.8` we use
 * (the package ships JavaScript with JSDoc only). Field names follow its `types.js` and `streaming-asr.js`;
 * everything optional there is optional here. The package is only ever `require`d at run time from a worker
 * thread or a probe process (never bundled, never loaded on the server's main thread), so these types
 * describe the configuration we build and the results we read. A plain module rather than an ambient
 * `declare module`, so every program that reaches the engine (the frontend's tests too) sees the same types.
 */
/** Audio in: float samples in [-1, 1]. */
export interface Waveform {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface FeatureConfig {
  readonly sampleRate?: number;
  /** 80 for the zipformer models. */
  readonly featureDim?: number;
}

export interface TransducerModelConfig {
  readonly encoder: string;
  readonly decoder: string;
  readonly joiner: string;
}

export interface OnlineModelConfig {
  readonly transducer?: TransducerModelConfig;
  readonly tokens: string;
  readonly numThreads?: number;
  readonly provider?: 'cpu' | 'cuda' | 'coreml' | (string & {});
  readonly debug?: boolean | number;
  readonly modelType?: string;
  readonly modelingUnit?: string;
  readonly bpeVocab?: string;
}

export interface OnlineRecognizerConfig {
  readonly featConfig?: FeatureConfig;
  readonly modelConfig: OnlineModelConfig;
  readonly decodingMethod?: 'greedy_search' | 'modified_beam_search';
  readonly maxActivePaths?: number;
  /** Endpoint detection: an utterance ends by one of three rules. */
  readonly enableEndpoint?: boolean | number;
  /** Seconds of trailing silence ending an utterance in which nothing was decoded. */
  readonly rule1MinTrailingSilence?: number;
  /** Seconds of trailing silence ending an utterance after something was decoded. */
  readonly rule2MinTrailingSilence?: number;
  /** An utterance this many seconds long ends regardless. */
  readonly rule3MinUtteranceLength?: number;
  readonly hotwordsFile?: string;
  readonly hotwordsScore?: number;
  readonly blankPenalty?: number;
}

/** `getResult()`; `timestamps` are seconds per token. */
export interface OnlineRecognizerResult {
  readonly text: string;
  readonly tokens: readonly string[];
  readonly timestamps: readonly number[];
}

export declare class OnlineStream {
  acceptWaveform(waveform: Waveform): void;
  /** No more audio: lets the last frames be decoded. */
  inputFinished(): void;
}

/** Throws `TypeError: Please check your config!` for missing files (details go to native stderr). */
export declare class OnlineRecognizer {
  constructor(config: OnlineRecognizerConfig);
  readonly config: OnlineRecognizerConfig;
  createStream(): OnlineStream;
  isReady(stream: OnlineStream): boolean;
  decode(stream: OnlineStream): void;
  /** Decode several ready streams in one call (all must be ready). */
  decodeStreams(streams: readonly OnlineStream[]): void;
  isEndpoint(stream: OnlineStream): boolean;
  /** Start the next utterance on this stream (after an endpoint). */
  reset(stream: OnlineStream): void;
  getResult(stream: OnlineStream): OnlineRecognizerResult;
}
