/**
 * @module sherpa/scripts — the code that touches `sherpa-onnx-node`, as plain JavaScript sources run in a
 * worker thread (`new Worker(source, { eval: true })`) or a child process (`node -e source`).
 *
 * Why sources and not modules: the package is a native addon that must never be bundled (the server ships
 * as one esbuild bundle) and must not load on the main thread, and a worker/probe *file* would have to be
 * found beside the bundle at run time. An inline source needs neither; it `require`s the package by the
 * absolute path the main thread resolved. The messages they exchange are typed in `worker.ts`.
 *
 * Both are template literals: no backslash escapes and no placeholders inside them (the template would
 * interpret them). `speech-sherpa.test.ts` runs both scripts.
 */

/**
 * Worker thread: one `OnlineRecognizer` shared by every stream the worker serves. Audio is queued per
 * stream; each pass (one per event-loop turn while audio waits) feeds every stream at most 100 ms, decodes
 * all streams with ready frames together (`decodeStreams`), then reports partials (on change), finals (at
 * an endpoint, then `reset`) and, for a finishing stream, the last final and `flushed`.
 */
export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { modulePath, config, sampleRate, tailPaddingMs } = workerData;
// An endpoint is detected after this much trailing silence: the speech itself ended that much earlier.
const endpointSilenceMs = Math.round((config.rule2MinTrailingSilence || 0) * 1000);
let recognizer;
try {
  const sherpa = require(modulePath);
  recognizer = new sherpa.OnlineRecognizer(config);
} catch (error) {
  parentPort.postMessage({ type: 'fatal', message: String((error && error.message) || error) });
}
if (recognizer) {
  const streams = new Map();
  let scheduled = false;
  const msOf = (samples) => Math.round((samples * 1000) / sampleRate);
  const FEED_SAMPLES = Math.round(sampleRate / 10);
  const post = (message) => parentPort.postMessage(message);
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(run);
    }
  };
  const decodeReady = () => {
    // Bounded: each decode consumes a chunk of frames, so the ready set empties.
    for (let pass = 0; pass < 100000; pass += 1) {
      const ready = [];
      for (const entry of streams.values()) if (recognizer.isReady(entry.stream)) ready.push(entry.stream);
      if (ready.length === 0) return;
      if (ready.length === 1) recognizer.decode(ready[0]);
      else recognizer.decodeStreams(ready);
    }
  };
  const feed = () => {
    // At most FEED_SAMPLES per stream per pass: endpoints are checked between passes, so a burst (an
    // uploaded file, a reconnect flushing its buffer) is segmented as if it had arrived in real time.
    let more = false;
    for (const entry of streams.values()) {
      let budget = FEED_SAMPLES;
      while (budget > 0 && entry.queue.length > 0) {
        const head = entry.queue[0];
        // Copies, not views: every array handed to the addon starts at offset 0 of its own buffer.
        const part = head.length <= budget ? head : head.slice(0, budget);
        entry.stream.acceptWaveform({ samples: part, sampleRate });
        entry.samples += part.length;
        budget -= part.length;
        if (part === head) entry.queue.shift();
        else entry.queue[0] = head.slice(part.length);
        entry.dirty = true;
      }
      if (entry.queue.length > 0) more = true;
      else if (entry.finishing && !entry.inputDone) {
        entry.inputDone = true;
        // Silence after the end lets the encoder see its right context, so the last word is decoded.
        entry.stream.acceptWaveform({
          samples: new Float32Array(Math.round((sampleRate * tailPaddingMs) / 1000)),
          sampleRate,
        });
        entry.stream.inputFinished();
        entry.dirty = true;
      }
    }
    return more;
  };
  const run = () => {
    scheduled = false;
    const more = feed();
    const started = Date.now();
    try {
      decodeReady();
    } catch (error) {
      const message = String((error && error.message) || error);
      for (const id of streams.keys()) post({ type: 'stream-error', id, message });
      streams.clear();
      return;
    }
    const decodeMs = Date.now() - started;
    for (const [id, entry] of streams) {
      if (!entry.dirty) continue;
      entry.dirty = false;
      const text = recognizer.getResult(entry.stream).text.trim();
      if (entry.inputDone) {
        if (text !== '') post({ type: 'final', id, text, startMs: msOf(entry.segmentStart), endMs: msOf(entry.samples) });
        post({ type: 'flushed', id });
        streams.delete(id);
        continue;
      }
      if (recognizer.isEndpoint(entry.stream)) {
        if (text !== '') {
          const startMs = msOf(entry.segmentStart);
          post({ type: 'final', id, text, startMs, endMs: Math.max(startMs, msOf(entry.samples) - endpointSilenceMs) });
        }
        recognizer.reset(entry.stream);
        entry.segmentStart = entry.samples;
        entry.lastText = '';
      } else if (text !== '' && text !== entry.lastText) {
        entry.lastText = text;
        post({ type: 'partial', id, text });
      }
      post({ type: 'decoded', id, samples: entry.samples, decodeMs });
    }
    if (more) schedule();
  };
  parentPort.on('message', (message) => {
    const entry = streams.get(message.id);
    switch (message.type) {
      case 'open':
        streams.set(message.id, {
          stream: recognizer.createStream(),
          samples: 0,
          segmentStart: 0,
          lastText: '',
          queue: [],
          dirty: false,
          finishing: false,
          inputDone: false,
        });
        break;
      case 'audio':
        if (!entry || entry.finishing) break;
        entry.queue.push(message.samples);
        schedule();
        break;
      case 'flush':
        if (!entry) {
          post({ type: 'flushed', id: message.id });
          break;
        }
        entry.finishing = true;
        schedule();
        break;
      case 'close':
        streams.delete(message.id);
        break;
    }
  });
  post({ type: 'ready' });
}
`;

/**
 * Child process: load the model exactly as the worker will, decode one second of silence, print `ok`.
 * A corrupt `.onnx` aborts this process instead of the server. Input: env `SHERPA_PROBE` =
 * `{ modulePath, config }` as JSON.
 */
export const PROBE_SOURCE = `
'use strict';
const { modulePath, config } = JSON.parse(process.env.SHERPA_PROBE);
const sherpa = require(modulePath);
const recognizer = new sherpa.OnlineRecognizer(config);
const stream = recognizer.createStream();
const sampleRate = (config.featConfig && config.featConfig.sampleRate) || 16000;
stream.acceptWaveform({ samples: new Float32Array(sampleRate), sampleRate });
stream.inputFinished();
for (let pass = 0; pass < 10000 && recognizer.isReady(stream); pass += 1) recognizer.decode(stream);
recognizer.getResult(stream);
process.stdout.write('ok');
`;
