/**
 * @module mp3-decode — CPU cost of the mp3 stage (`src/audio/mp3-to-pcm`) per second of streamed audio:
 * the bench corpus encoded by lame at the rates a recorder may use, fed in 1 KiB chunks (the app's Alipay
 * `frameSize`) through frame splitting, libmpg123 (WASM), downmix and libsamplerate (WASM) to 16 kHz PCM.
 * The engine is not involved: this is what mp3 adds on top of a PCM session.
 */
import { cpus, loadavg } from 'node:os';
import { Mp3ToPcm } from '../src/audio/mp3-to-pcm';
import { encodeMp3, type Mp3Options, oddChunks } from '../test/support/mp3';
import { corpusAudio } from './speech-corpus';
import { median } from './stats';

export interface Mp3DecodeRow {
  readonly label: string;
  readonly mp3Bytes: number;
  readonly audioS: number;
  /** CPU (user + system) per second of audio, median over repeats. */
  readonly cpuMsPerAudioS: number;
  /** The same without the setup (from the first PCM on): the cost of a long stream. */
  readonly steadyCpuMsPerAudioS: number;
  /** Wall time to decode, as a fraction of the audio's duration. */
  readonly realTimeFactor: number;
  /** From creating the stage to its first PCM (includes loading the resampler when there is one). */
  readonly setupMs: number;
  /** |decoded duration − source duration|. */
  readonly lengthErrorMs: number;
}

export interface Mp3DecodeResult {
  readonly rows: readonly Mp3DecodeRow[];
  readonly machine: string;
}

const CASES: ReadonlyArray<{ label: string; options: Mp3Options }> = [
  { label: '16 kHz mono 48 kbit/s (the app on Alipay)', options: { sampleRate: 16_000, bitrateKbps: 48 } },
  { label: '22.05 kHz mono 96 kbit/s', options: { sampleRate: 22_050, bitrateKbps: 96 } },
  { label: '44.1 kHz mono 64 kbit/s', options: { sampleRate: 44_100, bitrateKbps: 64 } },
  { label: '48 kHz stereo 128 kbit/s', options: { sampleRate: 48_000, bitrateKbps: 128, stereo: true } },
];

const CHUNK_BYTES = 1024;

/**
 * @example
 * const { rows } = await runMp3DecodeBench({ repeat: 5 });
 */
export async function runMp3DecodeBench(options: { repeat?: number } = {}): Promise<Mp3DecodeResult> {
  const repeat = options.repeat ?? 5;
  const { audio } = await corpusAudio();
  const rows: Mp3DecodeRow[] = [];
  for (const { label, options: mp3Options } of CASES) {
    const mp3 = await encodeMp3(audio.pcm, mp3Options);
    const chunks = oddChunks(mp3, [CHUNK_BYTES]);
    const cpu: number[] = [];
    const steady: number[] = [];
    const wall: number[] = [];
    const setup: number[] = [];
    let pcmBytes = 0;
    // One warm-up run (WASM compilation), then the measured ones.
    for (let run = 0; run <= repeat; run++) {
      let firstPcmAt = 0;
      let cpuAtFirstPcm: NodeJS.CpuUsage | undefined;
      let bytes = 0;
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      const stage = await Mp3ToPcm.create({
        onPcm: (pcm) => {
          if (bytes === 0) {
            firstPcmAt = performance.now();
            cpuAtFirstPcm = process.cpuUsage();
          }
          bytes += pcm.byteLength;
        },
      });
      for (const chunk of chunks) {
        stage.write(chunk);
        // Let a pending resampler load finish, as the event loop does between socket messages (one
        // microtask is not enough: instantiating the WASM module takes several turns).
        if (bytes === 0) await stage.drained();
      }
      await stage.end();
      stage.free();
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpuStart);
      if (run === 0) continue;
      cpu.push((used.user + used.system) / 1000);
      const after = process.cpuUsage(cpuAtFirstPcm);
      steady.push((after.user + after.system) / 1000);
      wall.push(elapsed);
      setup.push(firstPcmAt - started);
      pcmBytes = bytes;
    }
    const audioS = audio.durationMs / 1000;
    rows.push({
      label,
      mp3Bytes: mp3.length,
      audioS,
      cpuMsPerAudioS: median(cpu) / audioS,
      steadyCpuMsPerAudioS: median(steady) / audioS,
      realTimeFactor: median(wall) / audio.durationMs,
      setupMs: median(setup),
      lengthErrorMs: Math.abs(pcmBytes / 32 - audio.durationMs),
    });
  }
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return {
    rows,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load}`,
  };
}
