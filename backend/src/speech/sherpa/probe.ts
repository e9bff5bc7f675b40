/**
 * @module sherpa/probe — load a sherpa-onnx model in a throwaway child process before the server loads it.
 *
 * A corrupt `.onnx` makes onnxruntime abort the process (uncatchable, also from a worker thread); in a
 * child that is an exit code, not an outage. The probe costs one model load (seconds, once at start).
 */
import { spawn } from 'node:child_process';
import { PROBE_SOURCE } from './scripts';
import type { OnlineRecognizerConfig } from './sherpa-api';

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * Run the probe. Never rejects.
 *
 * @example
 * const result = await probeModel({ modulePath, config, timeoutMs: 120_000 });
 * if (!result.ok) status = unavailable(result.message);
 */
export function probeModel(options: {
  readonly modulePath: string;
  readonly config: OnlineRecognizerConfig;
  readonly timeoutMs: number;
  /** Aborting kills the probe (the engine closes while it runs). */
  readonly signal?: AbortSignal;
}): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ ok: false, message: 'the probe was cancelled' });
      return;
    }
    const child = spawn(process.execPath, ['-e', PROBE_SOURCE], {
      ...(options.signal ? { signal: options.signal } : {}),
      // No loaders or flags of the parent (tsx, vitest): the probe is plain CommonJS.
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        SHERPA_PROBE: JSON.stringify({ modulePath: options.modulePath, config: options.config }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep the tail: native loaders can be chatty, the reason is at the end.
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      // An abort also lands here (and kills the child); 'close' follows and finds the promise settled.
      resolve({
        ok: false,
        message: options.signal?.aborted
          ? 'the probe was cancelled'
          : `the sherpa-onnx probe could not start: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && stdout.includes('ok')) {
        resolve({ ok: true });
        return;
      }
      const how =
        signal === 'SIGKILL'
          ? `did not finish within ${options.timeoutMs} ms`
          : signal
            ? `crashed (${signal})`
            : `failed (exit code ${code})`;
      resolve({ ok: false, message: `loading the model ${how}${summarize(stderr)}` });
    });
  });
}

/** The last meaningful native error lines, without stack frames. */
function summarize(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !/^node:internal/.test(line));
  const tail = lines.slice(-3).join(' | ');
  return tail === '' ? '' : `: ${tail.slice(0, 600)}`;
}
