/**
 * @module sherpa/engine — sherpa-onnx streaming zipformer (offline; Mandarin + English with the
 * recommended bilingual model) as a `SpeechEngine`.
 *
 * Start-up never throws and never risks the process: the model directory and files are checked at once
 * (a missing file is named in `status()`), then — in the background, while `status()` says
 * `ENGINE_LOADING` — checksums are verified when `SHA256SUMS` exists, the model is loaded once in a child
 * process (a corrupt `.onnx` aborts that child, not the server), and only then in the decoding worker
 * threads. Each worker holds one recognizer shared by all its streams (the model's memory is paid once per
 * worker, not per session); a stream goes to the least-busy worker.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { errorMessage } from '../../errors';
import type {
  EngineStatus,
  FinalHypothesis,
  SpeechEngine,
  SpeechStream,
  SpeechStreamListener,
  SpeechStreamOptions,
} from '../engine';
import { SpeechError } from '../errors';
import { SampleAligner } from '../sample-aligner';
import { findModelFiles, type SherpaModelFiles, verifyChecksums } from './model';
import { probeModel } from './probe';
import type { OnlineRecognizerConfig } from './sherpa-api';
import { type FromWorker, SherpaWorker, type WorkerClient } from './worker';

export interface SherpaEngineOptions {
  /** Directory with `encoder*.onnx`, `decoder*.onnx`, `joiner*.onnx`, `tokens.txt` (`SHERPA_MODEL_DIR`). */
  readonly modelDir?: string;
  /** Prefer `*.int8.onnx` encoder/joiner when present (default true: half the memory, near-equal accuracy). */
  readonly int8?: boolean;
  /** Decoding worker threads (default 1), each with its own copy of the model. */
  readonly workers?: number;
  /** onnxruntime threads per recognizer (default: min(2, cores)). */
  readonly numThreads?: number;
  /** Language tags reported; the first is the default (default `['zh-CN', 'en-US']`, the bilingual model). */
  readonly languages?: readonly string[];
  /** Trailing silence that ends an utterance once words were heard (default 800 ms; sherpa's rule 2). */
  readonly endpointSilenceMs?: number;
  /** Skip the child-process probe (tests of the worker with a stand-in module only). */
  readonly skipProbe?: boolean;
  /** Probe time limit (default 120 s: a cold disk reading 300 MB). */
  readonly probeTimeoutMs?: number;
  /** Module to load instead of `sherpa-onnx-node` (absolute path; a stand-in in tests). */
  readonly modulePath?: string;
  /** Called after every decode pass of a stream (benchmark). */
  readonly onDecode?: (sample: {
    readonly audioMs: number;
    readonly lagMs: number;
    readonly decodeMs: number;
  }) => void;
}

/** The sherpa engine adds a way to wait for start-up to finish. */
export interface SherpaEngine extends SpeechEngine {
  /** Resolves with the status once loading finished (ready or the reason it is not). */
  whenLoaded(): Promise<EngineStatus>;
}

const SAMPLE_RATE = 16_000;
/** The zipformer's right context; see the worker's flush. */
const TAIL_PADDING_MS = 660;

let nextStreamId = 1;

const CLOSED: EngineStatus = {
  ready: false,
  code: 'ENGINE_CLOSED',
  message: 'The sherpa-onnx engine is closed.',
};

function unavailable(message: string): EngineStatus {
  return { ready: false, code: 'ENGINE_UNAVAILABLE', message };
}

/** The recognizer configuration for `files` (shared by the probe and the workers). */
export function recognizerConfig(
  files: SherpaModelFiles,
  options: { readonly numThreads: number; readonly endpointSilenceMs: number },
): OnlineRecognizerConfig {
  return {
    featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner },
      tokens: files.tokens,
      numThreads: options.numThreads,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
    enableEndpoint: 1,
    rule1MinTrailingSilence: 2.4,
    rule2MinTrailingSilence: options.endpointSilenceMs / 1000,
    rule3MinUtteranceLength: 20,
  };
}

/**
 * Create the sherpa-onnx engine. Never throws for a missing or broken install: check `status()`.
 *
 * @example
 * const engine = createSherpaEngine({ modelDir: process.env.SHERPA_MODEL_DIR });
 * await engine.whenLoaded();
 * const stream = await engine.createStream({ sampleRate: 16000, language: 'zh-CN' }, listener);
 */
export function createSherpaEngine(options: SherpaEngineOptions = {}): SherpaEngine {
  const languages = options.languages ?? ['zh-CN', 'en-US'];
  const workers: SherpaWorker[] = [];
  const streams = new Set<SherpaStream>();
  let closed = false;
  const closing = new AbortController();
  let status: EngineStatus;
  let loading: Promise<EngineStatus>;

  const modulePath = resolveModule(options.modulePath);
  const check = options.modelDir
    ? findModelFiles(options.modelDir, { int8: options.int8 ?? true })
    : undefined;
  if (!options.modelDir) {
    status = unavailable(
      'sherpa-onnx has no model: run `npm run model:fetch` on a machine with internet and set SHERPA_MODEL_DIR to the directory it prints.',
    );
    loading = Promise.resolve(status);
  } else if (typeof modulePath !== 'string') {
    status = unavailable(
      `sherpa-onnx-node cannot be loaded (${modulePath.error}). It is an optional dependency of the backend: run npm install without --omit=optional, or npm install sherpa-onnx-node -w @realtime-voice/backend (prebuilt for Linux, macOS and Windows).`,
    );
    loading = Promise.resolve(status);
  } else if (!check?.ok) {
    status = unavailable(check?.message ?? 'sherpa-onnx model check failed.');
    loading = Promise.resolve(status);
  } else {
    status = {
      ready: false,
      code: 'ENGINE_LOADING',
      message: 'sherpa-onnx is verifying and loading its model; try again in a few seconds.',
    };
    const config = recognizerConfig(check.files, {
      numThreads: options.numThreads ?? Math.min(2, availableParallelism()),
      endpointSilenceMs: options.endpointSilenceMs ?? 800,
    });
    loading = (async (): Promise<EngineStatus> => {
      const corrupt = await verifyChecksums(options.modelDir!, check.files);
      if (corrupt) return unavailable(corrupt);
      if (!options.skipProbe && !closed) {
        const probe = await probeModel({
          modulePath,
          config,
          timeoutMs: options.probeTimeoutMs ?? 120_000,
          signal: closing.signal,
        });
        if (!probe.ok) {
          return unavailable(
            `sherpa-onnx cannot use the model in ${options.modelDir} (${probe.message}). Re-run \`npm run model:fetch\` or check SHERPA_MODEL_DIR.`,
          );
        }
      }
      if (closed) return CLOSED;
      const count = Math.max(1, options.workers ?? 1);
      for (let i = 0; i < count; i += 1) {
        workers.push(
          new SherpaWorker({ modulePath, config, sampleRate: SAMPLE_RATE, tailPaddingMs: TAIL_PADDING_MS }),
        );
      }
      try {
        await Promise.all(workers.map((worker) => worker.ready));
      } catch (error) {
        await Promise.all(workers.map((worker) => worker.terminate()));
        workers.length = 0;
        return unavailable(
          `sherpa-onnx could not load the model in ${options.modelDir}: ${errorMessage(error)}`,
        );
      }
      return { ready: true };
    })()
      .catch((error: unknown) =>
        // Reading the files can still fail (permissions, a disk error): a status, never a rejection.
        unavailable(`sherpa-onnx could not check the model in ${options.modelDir}: ${errorMessage(error)}`),
      )
      .then((result): EngineStatus => {
        // Closed meanwhile: say so (the stale `ENGINE_LOADING` would promise a load that never comes).
        if (closed) return CLOSED;
        status = result;
        return status;
      });
  }

  const currentStatus = (): EngineStatus => {
    if (closed) return CLOSED;
    const lost = workers.find((worker) => worker.failed)?.failed;
    return lost ? unavailable(`sherpa-onnx stopped: ${lost}`) : status;
  };

  return {
    name: 'sherpa-onnx',
    languages,
    status: currentStatus,
    whenLoaded: () => loading,

    async createStream(
      streamOptions: SpeechStreamOptions,
      listener: SpeechStreamListener,
    ): Promise<SpeechStream> {
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The sherpa-onnx engine is closed.');
      if (streamOptions.sampleRate !== SAMPLE_RATE) {
        throw new SpeechError(
          'UNSUPPORTED_SAMPLE_RATE',
          `sherpa-onnx takes 16000 Hz audio here, not ${streamOptions.sampleRate} Hz.`,
        );
      }
      const language = streamOptions.language;
      if (language !== undefined && !languages.some((tag) => sameLanguage(tag, language))) {
        throw new SpeechError(
          'UNSUPPORTED_LANGUAGE',
          `sherpa-onnx is configured for ${languages.join(', ')}, not "${language}".`,
        );
      }
      const now = await loading;
      const healthy = workers.filter((worker) => !worker.failed);
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The sherpa-onnx engine is closed.');
      if (!now.ready || healthy.length === 0) {
        const current = currentStatus();
        throw new SpeechError(
          'ENGINE_UNAVAILABLE',
          current.ready ? 'sherpa-onnx has no working decoder.' : current.message,
        );
      }
      const worker = healthy.reduce((least, next) => (next.load < least.load ? next : least));
      const stream = new SherpaStream(worker, listener, options.onDecode, (done) => streams.delete(done));
      streams.add(stream);
      return stream;
    },

    async close() {
      closed = true;
      closing.abort();
      await Promise.all([...streams].map((stream) => stream.close()));
      // Workers still loading the model are stopped now, not after the load (seconds for a real model);
      // loading then settles at once. No worker is started after `closed` is set.
      await Promise.all(workers.map((worker) => worker.terminate()));
      await loading;
      await Promise.all(workers.map((worker) => worker.terminate()));
      workers.length = 0;
    },
  };
}

function sameLanguage(tag: string, wanted: string): boolean {
  const a = tag.toLowerCase();
  const b = wanted.toLowerCase();
  return a === b || a.split('-')[0] === b || a.split('-')[0] === b.split('-')[0];
}

/** The package's entry file, resolved from here; or why it cannot be. */
function resolveModule(override: string | undefined): string | { error: string } {
  if (override) return override;
  try {
    return createRequire(import.meta.url).resolve('sherpa-onnx-node');
  } catch (error) {
    return { error: errorMessage(error).split('\n')[0]! };
  }
}

/** One recognition stream on a worker's shared recognizer. */
class SherpaStream implements SpeechStream, WorkerClient {
  readonly id = nextStreamId++;
  private readonly samples = new SampleAligner();
  private stopped = false;
  private flushing: Promise<void> | null = null;
  private finishFlush: (() => void) | undefined;
  private samplesWritten = 0;
  private lastWriteAt = 0;

  constructor(
    private readonly worker: SherpaWorker,
    private readonly listener: SpeechStreamListener,
    private readonly onDecode: SherpaEngineOptions['onDecode'],
    private readonly onDone: (stream: SherpaStream) => void,
  ) {
    worker.attach(this.id, this);
  }

  write(pcm: Uint8Array): void {
    if (this.stopped || this.flushing || pcm.length === 0) return;
    const bytes = this.samples.take(pcm);
    if (bytes.length === 0) return;
    // Little-endian int16 to float in [-1, 1); DataView reads LE regardless of the host.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const samples = new Float32Array(bytes.length / 2);
    for (let i = 0; i < samples.length; i += 1) samples[i] = view.getInt16(i * 2, true) / 32_768;
    this.samplesWritten += samples.length;
    this.lastWriteAt = performance.now();
    this.worker.post({ type: 'audio', id: this.id, samples });
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.stopped) return Promise.resolve();
    this.samples.reset();
    this.flushing = new Promise<void>((resolve) => {
      this.finishFlush = resolve;
    });
    this.worker.post({ type: 'flush', id: this.id });
    return this.flushing;
  }

  close(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.worker.detach(this.id);
      this.onDone(this);
      const done = this.finishFlush;
      this.finishFlush = undefined;
      done?.();
    }
    return Promise.resolve();
  }

  onMessage(message: Exclude<FromWorker, { type: 'ready' | 'fatal' }>): void {
    if (this.stopped) return;
    switch (message.type) {
      case 'partial':
        this.listener.onPartial(message.text);
        break;
      case 'final': {
        const final: FinalHypothesis = { text: message.text, startMs: message.startMs, endMs: message.endMs };
        this.listener.onFinal(final);
        break;
      }
      case 'decoded':
        if (this.onDecode && message.samples === this.samplesWritten) {
          this.onDecode({
            audioMs: (message.samples * 1000) / SAMPLE_RATE,
            lagMs: performance.now() - this.lastWriteAt,
            decodeMs: message.decodeMs,
          });
        }
        break;
      case 'flushed': {
        this.stopped = true;
        this.worker.release(this.id);
        this.onDone(this);
        const done = this.finishFlush;
        this.finishFlush = undefined;
        done?.();
        break;
      }
      case 'stream-error':
        this.fail(`sherpa-onnx failed: ${message.message}`);
        break;
    }
  }

  onWorkerLost(reason: string): void {
    this.fail(`sherpa-onnx stopped: ${reason}`);
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.detach(this.id);
    this.onDone(this);
    this.listener.onError(new SpeechError('ENGINE_FAILED', message));
    const done = this.finishFlush;
    this.finishFlush = undefined;
    done?.();
  }
}
