/**
 * @module fake-tencent-asr — a local server that follows Tencent Cloud's documented real-time ASR message
 * sequence (WebSocket API 2.0), for testing our client without the cloud.
 *
 * What it does like the real one (Tencent's API 2.0 documentation, not our client, is the reference):
 * checks the signed URL (HMAC-SHA1 over `asr.cloud.tencent.com/asr/v2/<appid>?<sorted params>` — Tencent's
 * own host, whatever address the request came to — required parameters, `timestamp` near now, `expired`
 * after now and less than 90 days after `timestamp`, `nonce` a positive integer of at most 10 digits, a
 * `voice_id` never used before) and answers 4002 (signature) or 4001 (parameters) and closes; answers the
 * handshake with `{code:0,…}`; takes binary audio (4007 unless `voice_format=1`, PCM), reports each
 * utterance as `slice_type` 0 → 1… → 2 with `index`/`start_time`/`end_time` in audio milliseconds, answers
 * `{"type":"end"}` with the last result and `{final:1}` and closes, sends 4008 when no audio arrives within
 * its timeout (Tencent: 15 s), 4010 for an unknown text message. What it cannot do is recognise: loud
 * samples (|x| ≥ 1000) count as speech, 300 ms of quiet ends an utterance, and the text of utterance n is
 * `texts[n]` (revealed word by word while "speaking").
 * Faults are scripted with options. Every connection's frames are recorded with arrival times.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export const FAKE_TENCENT_CREDENTIALS = {
  appId: '1259228442',
  secretId: 'AKIDfakefakefakefakefakefakefakefake',
  secretKey: 'fake-secret-key-0123456789abcdef',
} as const;

export interface FakeTencentOptions {
  /** Utterance texts in order (default `utterance 0`, `utterance 1`, …). */
  readonly texts?: readonly string[];
  /** Handshake: reply with this error code (and close), stay silent, or close without a word. */
  readonly handshake?: { readonly code: number; readonly message: string } | 'silent' | 'close';
  /** Apply `handshake` to the first N connections only (then behave); default all. */
  readonly handshakeFaults?: number;
  /** After this much audio (ms) send `error` and close. */
  readonly failAfterAudioMs?: number;
  readonly error?: { readonly code: number; readonly message: string };
  /** After this much audio (ms) drop the TCP connection without a message. */
  readonly dropAfterAudioMs?: number;
  /** After this much audio (ms) send `{final:1}` and close without being asked (not documented: a fault). */
  readonly finalAfterAudioMs?: number;
  /** No binary frame for this long → 4008 and close (Tencent: 15 s). */
  readonly noAudioTimeoutMs?: number;
  /** Never answer `{"type":"end"}`. */
  readonly ignoreEnd?: boolean;
}

export interface FakeTencentConnection {
  readonly params: Readonly<Record<string, string>>;
  readonly frames: { readonly at: number; readonly bytes: number }[];
  readonly texts: string[];
  endReceived: boolean;
  /** Close code the client used, once closed. */
  closedWith: number | undefined;
}

export interface FakeTencentServer {
  /** `ws://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly connections: FakeTencentConnection[];
  /** Resolves when `count` connections have closed. */
  closedConnections(count: number): Promise<void>;
  close(): Promise<void>;
}

const LOUD = 1000;
const END_SILENCE_MS = 300;
const PARTIAL_EVERY_MS = 200;
const BYTES_PER_MS = 32;

/** Start the fake on 127.0.0.1 with a free port. */
export async function startFakeTencentAsr(options: FakeTencentOptions = {}): Promise<FakeTencentServer> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  const connections: FakeTencentConnection[] = [];
  let closedCount = 0;
  const closeWaiters: { count: number; resolve: () => void }[] = [];
  const noteClosed = () => {
    closedCount += 1;
    for (const waiter of closeWaiters.filter((w) => w.count <= closedCount)) waiter.resolve();
  };

  const usedVoiceIds = new Set<string>();

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    const params = Object.fromEntries(url.searchParams.entries());
    const connection: FakeTencentConnection = {
      params,
      frames: [],
      texts: [],
      endReceived: false,
      closedWith: undefined,
    };
    connections.push(connection);
    socket.on('error', () => undefined); // a client that vanishes mid-frame; 'close' follows
    socket.on('close', (code) => {
      connection.closedWith = code;
      clearTimeout(idle);
      noteClosed();
    });
    const voiceId = params.voice_id ?? '';
    let messageNo = 0;
    const send = (body: Record<string, unknown>) => {
      messageNo += 1;
      socket.send(
        JSON.stringify({
          code: 0,
          message: 'success',
          voice_id: voiceId,
          message_id: `${voiceId}_${messageNo}`,
          ...body,
        }),
      );
    };
    const fail = (code: number, message: string) => {
      send({ code, message });
      socket.close(1000);
    };
    let idle: NodeJS.Timeout | undefined;

    const authError = checkSignature(url);
    if (authError) {
      fail(4002, authError);
      return;
    }
    const paramError = checkParams(params, usedVoiceIds);
    usedVoiceIds.add(voiceId);
    if (paramError) {
      fail(4001, paramError);
      return;
    }
    const faulty = options.handshakeFaults === undefined || connections.length <= options.handshakeFaults;
    if (options.handshake && faulty) {
      if (options.handshake === 'silent') return;
      if (options.handshake === 'close') {
        socket.terminate();
        return;
      }
      fail(options.handshake.code, options.handshake.message);
      return;
    }
    send({ message: 'success' });

    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => fail(4008, '客户端超过15秒未发送音频数据'), options.noAudioTimeoutMs ?? 15_000);
    };
    armIdle();

    const texts = options.texts ?? [];
    let audioMs = 0;
    let index = 0;
    let speaking = false;
    let startMs = 0;
    let quietMs = 0;
    let lastPartialMs = 0;
    const textOf = (n: number) => texts[n] ?? `utterance ${n}`;
    const partialText = (n: number, elapsedMs: number) => {
      const words = textOf(n).split(' ');
      const shown = Math.min(words.length, Math.max(1, Math.floor(elapsedMs / PARTIAL_EVERY_MS)));
      return words.slice(0, shown).join(' ');
    };
    const endUtterance = (endMs: number) => {
      const text = textOf(index);
      connection.texts.push(text);
      send({
        result: {
          slice_type: 2,
          index,
          start_time: startMs,
          end_time: endMs,
          voice_text_str: text,
          word_size: 0,
          word_list: [],
        },
      });
      index += 1;
      speaking = false;
    };

    socket.on('message', (data, isBinary) => {
      // After an error the connection is over (frames already in flight are ignored, as by a closed peer).
      if (socket.readyState !== socket.OPEN) return;
      if (!isBinary) {
        const text = data.toString();
        if (text.replace(/\s/g, '') !== '{"type":"end"}') {
          fail(4010, '客户端上传未知文本消息');
          return;
        }
        connection.endReceived = true;
        clearTimeout(idle);
        if (options.ignoreEnd) return;
        if (speaking) endUtterance(Math.round(audioMs));
        send({ final: 1 });
        socket.close(1000);
        return;
      }
      const chunk = data as Buffer;
      connection.frames.push({ at: performance.now(), bytes: chunk.length });
      armIdle();
      // Without voice_format the service takes speex (its documented default), and PCM does not decode.
      if (params.voice_format !== '1') {
        fail(4007, '音频解码失败，请检查上传音频数据格式与调用参数一致');
        return;
      }
      for (let i = 0; i + 1 < chunk.length; i += 2) {
        const loud = Math.abs(chunk.readInt16LE(i)) >= LOUD;
        audioMs += 1 / 16;
        if (loud && !speaking) {
          speaking = true;
          startMs = Math.round(audioMs);
          lastPartialMs = audioMs;
          quietMs = 0;
          send({
            result: {
              slice_type: 0,
              index,
              start_time: startMs,
              end_time: startMs,
              voice_text_str: '',
              word_size: 0,
              word_list: [],
            },
          });
        } else if (speaking) {
          quietMs = loud ? 0 : quietMs + 1 / 16;
          if (quietMs >= END_SILENCE_MS) {
            endUtterance(Math.round(audioMs - quietMs));
          } else if (audioMs - lastPartialMs >= PARTIAL_EVERY_MS) {
            lastPartialMs = audioMs;
            send({
              result: {
                slice_type: 1,
                index,
                start_time: startMs,
                end_time: Math.round(audioMs),
                voice_text_str: partialText(index, audioMs - startMs),
                word_size: 0,
                word_list: [],
              },
            });
          }
        }
      }
      if (options.dropAfterAudioMs !== undefined && audioMs >= options.dropAfterAudioMs) {
        socket.terminate();
      } else if (options.finalAfterAudioMs !== undefined && audioMs >= options.finalAfterAudioMs) {
        send({ final: 1 });
        socket.close(1000);
      } else if (options.failAfterAudioMs !== undefined && audioMs >= options.failAfterAudioMs) {
        const error = options.error ?? { code: 5000, message: '后台错误，请重试' };
        fail(error.code, error.message);
      }
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    endpoint: `ws://127.0.0.1:${port}`,
    connections,
    closedConnections: (count) =>
      new Promise<void>((resolve) => {
        if (closedCount >= count) resolve();
        else closeWaiters.push({ count, resolve });
      }),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Tencent's check of the signed URL; a reason when it fails. */
function checkSignature(url: URL): string | undefined {
  const match = /^\/asr\/v2\/(\d+)$/.exec(url.pathname);
  if (!match || match[1] !== FAKE_TENCENT_CREDENTIALS.appId) return 'unknown appid';
  const params = Object.fromEntries(url.searchParams.entries());
  for (const required of [
    'secretid',
    'timestamp',
    'expired',
    'nonce',
    'engine_model_type',
    'voice_id',
    'signature',
  ]) {
    if (!params[required]) return `missing ${required}`;
  }
  if (params.secretid !== FAKE_TENCENT_CREDENTIALS.secretId) return 'unknown secretid';
  const now = Date.now() / 1000;
  const timestamp = Number(params.timestamp);
  const expired = Number(params.expired);
  if (!Number.isInteger(timestamp) || Math.abs(timestamp - now) > 600) return 'timestamp too far from now';
  if (!Number.isInteger(expired) || expired <= now) return 'signature expired';
  if (expired - timestamp >= 90 * 86_400) return 'expired must be less than 90 days after timestamp';
  // Signed over Tencent's host as documented, not the Host header (a test or proxy address).
  const text = `asr.cloud.tencent.com/asr/v2/${match[1]}?${Object.keys(params)
    .filter((key) => key !== 'signature')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&')}`;
  const expected = createHmac('sha1', FAKE_TENCENT_CREDENTIALS.secretKey).update(text).digest('base64');
  return expected === params.signature ? undefined : 'signature mismatch';
}

/** The documented parameter rules checked after the signature; a reason when one is broken. */
function checkParams(
  params: Readonly<Record<string, string>>,
  used: ReadonlySet<string>,
): string | undefined {
  if (!/^[1-9]\d{0,9}$/.test(params.nonce ?? ''))
    return 'nonce must be a positive integer of at most 10 digits';
  // "Every connection needs a new voice_id; after any interruption the old one is void."
  if (used.has(params.voice_id ?? '')) return `voice_id ${params.voice_id} was already used`;
  if ((params.voice_id ?? '').length > 128) return 'voice_id longer than 128 characters';
  return undefined;
}

/** PCM of `ms` milliseconds: a loud tone (speech for the fake) or silence. */
export function tonePcm(ms: number, loud: boolean): Buffer {
  const samples = Math.round(ms * 16);
  const pcm = Buffer.alloc(samples * 2);
  if (loud) for (let i = 0; i < samples; i += 1) pcm.writeInt16LE(i % 2 === 0 ? 8000 : -8000, i * 2);
  return pcm;
}

export { BYTES_PER_MS as FAKE_TENCENT_BYTES_PER_MS };
