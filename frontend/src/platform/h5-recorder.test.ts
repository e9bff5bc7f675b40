/**
 * The H5 recorder (getUserMedia + AudioWorklet) releases what it opened when a start fails.
 */
import { describe, expect, it, vi } from 'vitest';
import { createWebAudioRecorder } from './h5-recorder';

describe('H5 recorder (platform/h5-recorder.ts)', () => {
  it('closes the AudioContext it opened when the start fails after getUserMedia', async () => {
    const contexts: { closed: boolean }[] = [];
    const tracks: { stopped: boolean }[] = [];
    class FakeAudioContext {
      readonly sampleRate = 16_000;
      readonly state = 'running';
      closed = false;
      // E.g. a Content-Security-Policy that forbids blob: worklet modules, or a browser without AudioWorklet.
      readonly audioWorklet = { addModule: () => Promise.reject(new Error('blocked by CSP')) };
      constructor() {
        contexts.push(this);
      }
      createMediaStreamSource() {
        return { connect() {}, disconnect() {} };
      }
      async close() {
        this.closed = true;
      }
    }
    vi.stubGlobal('AudioContext', FakeAudioContext);
    vi.stubGlobal('navigator', {
      mediaDevices: {
        getUserMedia: async () => {
          const track = {
            stopped: false,
            stop() {
              this.stopped = true;
            },
          };
          tracks.push(track);
          return { getTracks: () => [track], getAudioTracks: () => [track] };
        },
      },
    });
    vi.stubGlobal('URL', { createObjectURL: () => 'blob:worklet' });
    try {
      const driver = createWebAudioRecorder();
      const handlers = { onFrame: () => undefined, onInterrupted: () => undefined, onError: () => undefined };
      await expect(driver.start(handlers)).rejects.toThrow('blocked by CSP');
      await expect(driver.start(handlers)).rejects.toThrow('blocked by CSP');
      expect(tracks.map((t) => t.stopped)).toEqual([true, true]);
      // Every failed press must not leave a running AudioContext behind (iOS Safari allows only a few).
      expect(contexts.map((c) => c.closed)).toEqual([true, true]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
