import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { useConnectionStore } from './connection';

beforeEach(() => setActivePinia(createPinia()));

describe('connection store', () => {
  it('labels each status with its reason', () => {
    const connection = useConnectionStore();
    const base = {
      attempt: 0,
      socketId: undefined,
      offlineReason: undefined,
      errorMessage: undefined,
    } as const;
    connection.update({ ...base, status: 'connecting' });
    expect(connection.label).toBe('正在连接服务器…');
    connection.update({ ...base, status: 'reconnecting', attempt: 3, errorMessage: 'connection refused' });
    expect(connection.label).toContain('第 3 次');
    expect(connection.reason).toBe('connection refused');
    // Known client error codes read in the UI language.
    connection.update({
      ...base,
      status: 'reconnecting',
      attempt: 1,
      errorMessage: 'WebSocket error',
      errorCode: 'TRANSPORT_ERROR',
    });
    expect(connection.reason).toBe('无法连接服务器');
    connection.update({ ...base, status: 'refused', errorMessage: 'unauthorized' });
    expect(connection.label).toBe('服务器拒绝连接');
    expect(connection.reason).toBe('unauthorized');
    connection.update({ ...base, status: 'offline', offlineReason: 'network' });
    expect(connection.reason).toContain('网络已断开');
    connection.update({ ...base, status: 'connected', socketId: 'abc' });
    expect(connection.connected).toBe(true);
    expect(connection.reason).toBe('');
  });
});
