/**
 * An in-memory backend HTTP API for store tests: history pages with cursors, delete, stats.
 */
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import type { HttpClient, HttpRequest } from '../../src/platform/types';

export class FakeHttp {
  records: TranscriptRecord[] = [];
  readonly requests: HttpRequest[] = [];
  /** What `POST /api/recognize` stores. */
  recognized: TranscriptRecord = {
    id: 'up',
    userId: 'u',
    sessionId: 'up',
    text: 'uploaded speech',
    language: 'en-US',
    engine: 'fake',
    audioMs: 1000,
    latencyMs: 10,
    createdAt: new Date(Date.UTC(2026, 10, 26, 9)).toISOString(),
  };
  /** When set, every request fails this way. */
  failWith: { status: number; data: unknown } | 'network' | undefined;

  readonly client: HttpClient = async (request) => {
    this.requests.push(request);
    await new Promise((r) => setTimeout(r, 1));
    if (this.failWith === 'network') throw new Error('request:fail timeout');
    if (this.failWith) return this.failWith;
    if (request.method === 'GET' && request.path === '/api/history') {
      const limit = Number(request.query?.limit ?? 20);
      const before = request.query?.before;
      const sorted = [...this.records].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
      const start = before === undefined ? 0 : sorted.findIndex((r) => r.id === before) + 1;
      const page = sorted.slice(start, start + limit);
      const next = start + limit < sorted.length ? (page[page.length - 1]?.id ?? null) : null;
      return { status: 200, data: { records: page, nextCursor: next } };
    }
    const match = /^\/api\/history\/(.+)$/.exec(request.path);
    if (match && request.method === 'DELETE') {
      const id = decodeURIComponent(match[1]!);
      if (!this.records.some((r) => r.id === id)) {
        return {
          status: 404,
          data: { error: { code: 'NOT_FOUND', message: `no record "${id}" in your history` } },
        };
      }
      this.records = this.records.filter((r) => r.id !== id);
      return { status: 204, data: '' };
    }
    if (request.method === 'POST' && request.path === '/api/recognize') {
      const type = request.headers?.['content-type'] ?? '';
      if (!(request.body instanceof ArrayBuffer) || !type.startsWith('audio/')) {
        return {
          status: 415,
          data: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `unsupported ${type}` } },
        };
      }
      const stored = { ...this.recognized, id: `up${this.records.length + 1}` };
      this.records.push(stored);
      return {
        status: 200,
        data: { sessionId: 'up', engine: 'fake', language: 'en-US', audioMs: 1000, records: [stored] },
      };
    }
    if (request.method === 'GET' && request.path === '/api/stats') {
      const audioSeconds = this.records.reduce((s, r) => s + r.audioMs, 0) / 1000;
      return {
        status: 200,
        data: {
          totals: {
            records: this.records.length,
            audioSeconds,
            averageLatencyMs: this.records.length ? 80 : null,
          },
          byEngine: [],
          byDay: [],
          days: 30,
        },
      };
    }
    return { status: 404, data: { error: { code: 'NOT_FOUND', message: 'no route' } } };
  };
}
