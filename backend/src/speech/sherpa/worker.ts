/**
 * @module sherpa/worker — the main thread's side of one decoding worker (`scripts.ts` WORKER_SOURCE):
 * start it, route its messages to the streams it serves, fail them all if it dies.
 */
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './scripts';
import type { OnlineRecognizerConfig } from './sherpa-api';

/** Main → worker. */
export type ToWorker =
  | { readonly type: 'open'; readonly id: number }
  | { readonly type: 'audio'; readonly id: number; readonly samples: Float32Array }
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'partial'; readonly id: number; readonly text: string }
  | {
      readonly type: 'final';
      readonly id: number;
      readonly text: string;
      readonly startMs: number;
      readonly endMs: number;
    }
  | { readonly type: 'flushed'; readonly id: number }
  | { readonly type: 'stream-error'; readonly id: number; readonly message: string }
  | { readonly type: 'decoded'; readonly id: number; readonly samples: number; readonly decodeMs: number };

/** What a stream hears from its worker. */
export interface WorkerClient {
  onMessage(message: Exclude<FromWorker, { type: 'ready' | 'fatal' }>): void;
  /** The worker is gone; the stream is unusable. */
  onWorkerLost(reason: string): void;
}

export interface WorkerSettings {
  readonly modulePath: string;
  readonly config: OnlineRecognizerConfig;
  readonly sampleRate: number;
  readonly tailPaddingMs: number;
}

/** One worker thread with one recognizer. */
export class SherpaWorker {
  private readonly worker: Worker;
  private readonly clients = new Map<number, WorkerClient>();
  private lost: string | undefined;
  private terminating = false;
  /** Resolves once the recognizer is loaded; rejects with the reason it could not be. */
  readonly ready: Promise<void>;

  constructor(settings: WorkerSettings) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: settings,
      // The recognizer's memory is native; this caps only the worker's JavaScript heap.
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'fatal') reject(new Error(message.message));
        else this.clients.get(message.id)?.onMessage(message);
      });
      this.worker.on('error', (error) => {
        reject(error);
        this.loseAll(`the decoding worker failed: ${error.message}`);
      });
      this.worker.on('exit', (code) => {
        reject(new Error(`the decoding worker exited (${code}) before loading the model`));
        if (!this.terminating) this.loseAll(`the decoding worker exited (${code})`);
      });
    });
    // Nobody may be waiting yet; the rejection is read through `ready` by the engine.
    this.ready.catch(() => undefined);
  }

  get load(): number {
    return this.clients.size;
  }

  get failed(): string | undefined {
    return this.lost;
  }

  attach(id: number, client: WorkerClient): void {
    this.clients.set(id, client);
    this.post({ type: 'open', id });
  }

  detach(id: number): void {
    if (this.clients.delete(id)) this.post({ type: 'close', id });
  }

  /** Forget a stream the worker already finished (after `flushed`). */
  release(id: number): void {
    this.clients.delete(id);
  }

  post(message: ToWorker): void {
    if (this.lost) return;
    if (message.type === 'audio') this.worker.postMessage(message, [message.samples.buffer as ArrayBuffer]);
    else this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker.terminate();
  }

  private loseAll(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    const clients = [...this.clients.values()];
    this.clients.clear();
    for (const client of clients) client.onWorkerLost(reason);
  }
}
