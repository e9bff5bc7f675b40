/**
 * @module platform/h5-recorder — PCM from the browser microphone: getUserMedia + an AudioWorklet.
 *
 * uni-app has no recorder on H5 (`uni.getRecorderManager()` returns undefined there), so we capture with
 * Web Audio. The worklet only copies each 128-sample render quantum to the main thread; resampling to
 * 16 kHz and s16le framing happen in the tested `PcmFramer`. We ask for a 16 kHz AudioContext (Chromium
 * resamples the mic for us); browsers that refuse fall back to the device rate and `PcmFramer` resamples.
 */
import { PcmFramer } from '../utils/pcm';
import type { PcmRecorderDriver, RecorderHandlers } from './types';

const PROCESSOR = 'rv-pcm-tap';

/** Runs in the audio thread; kept tiny and self-contained (it is loaded from a Blob URL). */
const WORKLET_SOURCE = `
class RvPcmTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.stopped = false;
    this.port.onmessage = (event) => {
      if (event.data === 'stop') { this.stopped = true; this.port.postMessage('stopped'); }
    };
  }
  process(inputs) {
    if (this.stopped) return false;
    const channel = inputs[0] && inputs[0][0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('${PROCESSOR}', RvPcmTap);
`;

interface Capture {
  readonly context: AudioContext;
  readonly stream: MediaStream;
  readonly source: MediaStreamAudioSourceNode;
  readonly node: AudioWorkletNode;
  readonly framer: PcmFramer;
}

/** Creates a context at 16 kHz when the browser can feed a mic into one, else at the device rate. */
function createContext(stream: MediaStream): { context: AudioContext; source: MediaStreamAudioSourceNode } {
  try {
    const context = new AudioContext({ sampleRate: 16_000 });
    try {
      return { context, source: context.createMediaStreamSource(stream) };
    } catch {
      void context.close();
    }
  } catch {
    // Fall through to the device rate.
  }
  const context = new AudioContext();
  return { context, source: context.createMediaStreamSource(stream) };
}

export function createWebAudioRecorder(): PcmRecorderDriver {
  let capture: Capture | undefined;
  let moduleUrl: string | undefined;

  return {
    kind: 'pcm',
    async start(handlers: RecorderHandlers) {
      if (!navigator.mediaDevices?.getUserMedia) {
        throw new Error('此浏览器不支持录音（需要 HTTPS 或 localhost）');
      }
      // Raw samples: the recogniser does better without the browser's voice-call processing.
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      let opened: AudioContext | undefined;
      try {
        const { context, source } = createContext(stream);
        opened = context;
        moduleUrl ??= URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: 'text/javascript' }));
        await context.audioWorklet.addModule(moduleUrl);
        const node = new AudioWorkletNode(context, PROCESSOR, {
          numberOfInputs: 1,
          numberOfOutputs: 1,
          // Let Web Audio down-mix a stereo device to mono before the tap.
          channelCount: 1,
          channelCountMode: 'explicit',
          channelInterpretation: 'speakers',
        });
        const framer = new PcmFramer(context.sampleRate, (frame) => handlers.onFrame(frame), 100);
        node.port.onmessage = (event: MessageEvent<unknown>) => {
          if (event.data instanceof Float32Array) framer.push(event.data);
        };
        source.connect(node);
        // The node outputs silence; connecting it keeps the graph pulling it in every browser.
        node.connect(context.destination);
        if (context.state === 'suspended') await context.resume();
        for (const track of stream.getAudioTracks()) {
          track.onended = () => {
            if (capture?.stream !== stream) return;
            void teardown();
            handlers.onInterrupted('ended');
          };
        }
        capture = { context, stream, source, node, framer };
      } catch (err) {
        for (const track of stream.getTracks()) track.stop();
        void opened?.close().catch(() => undefined);
        throw err;
      }
    },
    async stop() {
      const current = capture;
      if (!current) return;
      // Ask the worklet to stop and wait for its answer: every quantum it posted before is delivered first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        current.node.port.addEventListener('message', (event: MessageEvent<unknown>) => {
          if (event.data === 'stopped') {
            clearTimeout(timer);
            resolve();
          }
        });
        current.node.port.postMessage('stop');
      });
      current.framer.flush();
      await teardown();
    },
  };

  async function teardown(): Promise<void> {
    const current = capture;
    capture = undefined;
    if (!current) return;
    current.node.port.onmessage = null;
    current.source.disconnect();
    current.node.disconnect();
    for (const track of current.stream.getTracks()) track.stop();
    await current.context.close().catch(() => undefined);
  }
}
