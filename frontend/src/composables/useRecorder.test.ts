import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { FakeFileRecorder, FakeMp3Recorder, FakePcmRecorder } from '../../test/support/fake-recorder';
import { useRecorder } from './useRecorder';

describe('useRecorder', () => {
  it('delivers exact, even-length frames and counts bytes', async () => {
    const driver = new FakePcmRecorder();
    const recorder = useRecorder({ driver });
    const frames: ArrayBuffer[] = [];
    expect(await recorder.start((f) => frames.push(f))).toBe(true);
    expect(recorder.status.value).toBe('recording');
    expect(recorder.live).toBe(true);
    // A view over a bigger buffer with an odd length: only its bytes, the odd byte carried over.
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    driver.handlers?.onFrame(new Uint8Array(backing.buffer, 2, 3) as unknown as ArrayBuffer);
    driver.handlers?.onFrame(new Uint8Array([4, 5, 6]).buffer);
    expect(frames.map((f) => [...new Uint8Array(f)])).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
    expect(recorder.bytes.value).toBe(6);
    await recorder.stop();
    expect(recorder.status.value).toBe('idle');
  });

  it('delivers the last frame the driver gives while stopping, then nothing', async () => {
    const driver = new FakePcmRecorder();
    driver.tail = new Int16Array([7, 7]).buffer;
    const recorder = useRecorder({ driver });
    const frames: ArrayBuffer[] = [];
    await recorder.start((f) => frames.push(f));
    const handlers = driver.handlers;
    await recorder.stop();
    expect(frames).toHaveLength(1);
    handlers?.onFrame(new Int16Array([1]).buffer);
    expect(frames).toHaveLength(1);
  });

  it('stops at the permission step when refused', async () => {
    const driver = new FakePcmRecorder();
    const recorder = useRecorder({ driver, requestPermission: async () => 'denied' });
    expect(await recorder.start()).toBe(false);
    expect(recorder.status.value).toBe('denied');
    expect(driver.starts).toBe(0);
  });

  it('maps a NotAllowedError from the driver to denied, other failures to error', async () => {
    const driver = new FakePcmRecorder();
    driver.failStartWith = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    const recorder = useRecorder({ driver });
    expect(await recorder.start()).toBe(false);
    expect(recorder.status.value).toBe('denied');
    driver.failStartWith = new Error('device busy');
    expect(await recorder.start()).toBe(false);
    expect(recorder.status.value).toBe('error');
    expect(recorder.error.value?.message).toBe('device busy');
  });

  it('reports an interruption and returns to idle', async () => {
    const driver = new FakePcmRecorder();
    const reasons: string[] = [];
    const recorder = useRecorder({ driver, onInterrupted: (r) => reasons.push(r) });
    await recorder.start();
    driver.handlers?.onInterrupted('paused');
    expect(reasons).toEqual(['paused']);
    expect(recorder.status.value).toBe('idle');
  });

  it('hands over the file of a recording the platform ended by itself, once', async () => {
    const driver = new FakeFileRecorder();
    const reasons: string[] = [];
    const recorder = useRecorder({ driver, onInterrupted: (r) => reasons.push(r) });
    await recorder.start();
    const recorded = { filePath: 'bdfile://tmp/limit.mp3', format: 'mp3', durationMs: 180_000 };
    driver.handlers?.onInterrupted('stopped', recorded);
    expect(reasons).toEqual(['stopped']);
    expect(recorder.status.value).toBe('idle');
    expect(await recorder.stop()).toEqual(recorded);
    expect(await recorder.stop()).toBeUndefined();
    // A new recording never returns the old take.
    await recorder.start();
    driver.handlers?.onInterrupted('paused');
    expect(await recorder.stop()).toBeUndefined();
  });

  it('a stop() during start stops the driver once it has started', async () => {
    const driver = new FakePcmRecorder();
    driver.startDelayMs = 20;
    const recorder = useRecorder({ driver });
    const started = recorder.start();
    expect(recorder.status.value).toBe('starting');
    await recorder.stop();
    expect(recorder.status.value).toBe('idle');
    expect(await started).toBe(false);
    expect(driver.stops).toBe(1);
  });

  it('passes mp3 frames through unaligned and reports the mp3 format (Alipay)', async () => {
    const driver = new FakeMp3Recorder();
    const recorder = useRecorder({ driver });
    expect(recorder.live).toBe(true);
    expect(recorder.format).toBe('mp3');
    const frames: Uint8Array[] = [];
    await recorder.start((frame) => frames.push(new Uint8Array(frame)));
    driver.frame(Uint8Array.of(1, 2, 3));
    driver.frame(new Uint8Array(0)); // nothing to send
    driver.frame(Uint8Array.of(4));
    expect(frames).toEqual([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    expect(recorder.bytes.value).toBe(4);
    await recorder.stop();
    expect(useRecorder({ driver: new FakePcmRecorder() }).format).toBe('pcm16le');
    expect(useRecorder({ driver: new FakeFileRecorder() }).format).toBe(false);
  });

  it('returns the file on file-only platforms', async () => {
    const driver = new FakeFileRecorder();
    const recorder = useRecorder({ driver });
    expect(recorder.live).toBe(false);
    await recorder.start();
    expect((await recorder.stop())?.format).toBe('mp3');
  });

  it('stops recording when its scope is disposed', async () => {
    const driver = new FakePcmRecorder();
    const scope = effectScope();
    const recorder = scope.run(() => useRecorder({ driver }))!;
    await recorder.start();
    scope.stop();
    await new Promise((r) => setTimeout(r, 0));
    expect(driver.stops).toBe(1);
  });
});
