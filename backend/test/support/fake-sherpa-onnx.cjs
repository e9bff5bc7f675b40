/**
 * @module fake-sherpa-onnx — a stand-in for `sherpa-onnx-node` with the same streaming API, for testing our
 * worker threads, batching and stream lifecycle where no model can be downloaded.
 *
 * It is not a recogniser: loud samples (|x| ≥ 1000/32768) count as speech; each 200 ms of speech adds a
 * word (`u<utterance>w<n>`); an utterance ends at `rule2MinTrailingSilence` of quiet after speech. Like
 * the real one it throws `TypeError: Please check your config!` when a model file does not exist, decodes
 * only whole chunks (`isReady`), and keeps results until `reset`. A sample of exactly -32768 makes
 * `decode` throw (to test a decoding failure). Real recognition is tested with the real package when
 * SHERPA_MODEL_DIR is set.
 */
'use strict';
const { existsSync } = require('node:fs');

const CHUNK = 1600; // 100 ms at 16 kHz
const LOUD = 1000 / 32768;

class OnlineStream {
  constructor() {
    this.buffer = [];
    this.buffered = 0;
    this.finished = false;
    this.heard = 0;
    this.quiet = 0;
    this.utterance = 0;
  }
  acceptWaveform({ samples }) {
    this.buffer.push(samples);
    this.buffered += samples.length;
  }
  inputFinished() {
    this.finished = true;
  }
}

class OnlineRecognizer {
  constructor(config) {
    const t = config.modelConfig.transducer;
    for (const file of [t.encoder, t.decoder, t.joiner, config.modelConfig.tokens]) {
      if (!existsSync(file)) throw new TypeError('Please check your config!');
    }
    this.config = config;
    this.endSilence = Math.round((config.rule2MinTrailingSilence ?? 1.2) * 16000);
    this.batches = 0;
  }
  createStream() {
    return new OnlineStream();
  }
  isReady(stream) {
    return stream.buffered >= CHUNK || (stream.finished && stream.buffered > 0);
  }
  decode(stream) {
    const take = Math.min(CHUNK, stream.buffered);
    let left = take;
    while (left > 0) {
      const head = stream.buffer[0];
      const n = Math.min(left, head.length);
      for (let i = 0; i < n; i += 1) {
        if (head[i] === -1) throw new Error('poisoned sample');
        if (Math.abs(head[i]) >= LOUD) {
          stream.heard += 1;
          stream.quiet = 0;
        } else if (stream.heard > 0) {
          stream.quiet += 1;
        }
      }
      if (n === head.length) stream.buffer.shift();
      else stream.buffer[0] = head.subarray(n);
      left -= n;
    }
    stream.buffered -= take;
  }
  decodeStreams(streams) {
    this.batches += 1;
    for (const stream of streams) this.decode(stream);
  }
  isEndpoint(stream) {
    return stream.heard > 0 && stream.quiet >= this.endSilence;
  }
  reset(stream) {
    stream.heard = 0;
    stream.quiet = 0;
    stream.utterance += 1;
  }
  getResult(stream) {
    const words = Math.floor(stream.heard / 3200);
    const text = Array.from({ length: words }, (_, n) => `u${stream.utterance}w${n}`).join(' ');
    return { text, tokens: [], timestamps: [] };
  }
}

module.exports = { OnlineRecognizer, OnlineStream, version: 'fake' };
