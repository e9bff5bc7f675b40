/**
 * Compile-time checks of the typed API (`tsc` fails on a wrong type; vitest runs the type assertions).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  StartAck,
  StopAck,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '../voice/contract';
import { type ClientError, connect, io, type Socket } from './index';

describe('typed sockets', () => {
  it('types listeners, emits, acks and emitWithAck from the event maps', () => {
    const socket: Socket<VoiceServerToClientEvents, VoiceClientToServerEvents> = io<
      VoiceServerToClientEvents,
      VoiceClientToServerEvents
    >('/realtime-voice', {
      autoConnect: false,
      transport: { name: 'none', open: () => ({ send() {}, close() {} }) },
    });
    socket.on('partial', (payload) => expectTypeOf(payload.text).toEqualTypeOf<string>());
    socket.on('connect_error', (err) => expectTypeOf(err).toEqualTypeOf<ClientError>());
    socket.on('disconnect', (reason) => expectTypeOf(reason).toBeString());
    socket.emit('start', { sampleRate: 16000 }, (res) => expectTypeOf(res).toEqualTypeOf<StartAck>());
    socket.emit('audio', new Uint8Array(2));
    socket.timeout(10).emit('stop', (err, res) => {
      expectTypeOf(err).toEqualTypeOf<ClientError | null>();
      expectTypeOf(res).toEqualTypeOf<StopAck>();
    });
    expectTypeOf(socket.emitWithAck('stop')).toEqualTypeOf<Promise<StopAck>>();
    expectTypeOf(socket.emitWithAck('start', {})).toEqualTypeOf<Promise<StartAck>>();
    // timeout(ms) prepends an error slot to acks; emitWithAck still resolves to the server's answer.
    expectTypeOf(socket.timeout(1000).emitWithAck('stop')).toEqualTypeOf<Promise<StopAck>>();
    expectTypeOf(socket.timeout(1000).emitWithAck('start', {})).toEqualTypeOf<Promise<StartAck>>();
    // @ts-expect-error unknown event
    socket.emit('nope');
    // @ts-expect-error wrong argument type
    socket.emit('audio', 'not binary');
    // @ts-expect-error wrong listener parameter type
    socket.on('partial', (payload: number) => payload);
    socket.io.close();
  });

  it('an untyped socket accepts any event and any listener', () => {
    const socket = io('/x', {
      autoConnect: false,
      transport: { name: 'none', open: () => ({ send() {}, close() {} }) },
    });
    socket.on('anything', (a: number, b: string) => [a, b]);
    socket.emit('anything', 1, 'two', { three: 3 }, () => {});
    expectTypeOf(socket.emitWithAck('anything')).toEqualTypeOf<Promise<unknown>>();
    socket.io.close();
  });

  it("connect is io under socket.io-client's other name, generics included", () => {
    expectTypeOf(connect).toEqualTypeOf(io);
    const socket = connect<VoiceServerToClientEvents, VoiceClientToServerEvents>({
      autoConnect: false,
      transport: { name: 'none', open: () => ({ send() {}, close() {} }) },
    });
    expectTypeOf(socket).toEqualTypeOf<Socket<VoiceServerToClientEvents, VoiceClientToServerEvents>>();
    expect(connect).toBe(io);
  });
});
