import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

describe('readConfig', () => {
  it('has usable defaults', () => {
    const config = readConfig({});
    expect(config.serverUrl).toBeUndefined();
    expect(config.cloud).toBeUndefined();
    expect(config.debug).toBe(false);
    expect(config.namespace).toBe('/realtime-voice');
  });

  it('uses Cloud Hosting only when both env and service are set', () => {
    expect(readConfig({ VITE_CLOUD_ENV: 'prod-1' }).cloud).toBeUndefined();
    expect(readConfig({ VITE_CLOUD_ENV: ' prod-1 ', VITE_CLOUD_SERVICE: 'voice' }).cloud).toEqual({
      env: 'prod-1',
      service: 'voice',
    });
  });

  it('trims the server URL and reads the flags', () => {
    const config = readConfig({
      VITE_SERVER_URL: 'https://x.example.com/',
      VITE_DEBUG: '1',
      VITE_LANGUAGE: '',
    });
    expect(config.serverUrl).toBe('https://x.example.com');
    expect(config.debug).toBe(true);
    expect(config.language).toBeUndefined();
  });
});
