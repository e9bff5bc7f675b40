/**
 * @module clients (bench) — our client and socket.io-client behind the same small interface, both in Node
 * over the `ws` package, both with a fresh connection and no reconnection.
 *
 * socket.io-client is imported the way Node resolves it (its `node` export condition), i.e. what a Node
 * user of it runs.
 */
import { io as theirIo } from 'socket.io-client';
import WebSocket from 'ws';
import { io as ourIo, webSocketTransport } from '../src/socketio/index';
import type { BenchClient, BenchSocket } from './e2e';

/** Resolves on the first of `connect` / `connect_error`. */
function connectedPromise(socket: {
  once(event: 'connect', listener: () => void): unknown;
  once(event: 'connect_error', listener: (error: Error) => void): unknown;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error: Error) => reject(error));
  });
}

/** Our client over `ws`. */
export const oursClient: BenchClient = (url) => {
  const socket = ourIo(url, {
    transport: webSocketTransport(WebSocket),
    forceNew: true,
    reconnection: false,
  });
  const connected = connectedPromise(socket);
  const bench: BenchSocket = {
    connected: () => connected,
    emitWithAck: (event, ...args) => socket.emitWithAck(event, ...args),
    emit: (event, ...args) => {
      socket.emit(event, ...args);
    },
    close: () => {
      socket.disconnect();
    },
  };
  return bench;
};

/** socket.io-client over its own `ws` dependency (websocket transport only, as ours). */
export const theirsClient: BenchClient = (url) => {
  const socket = theirIo(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  const connected = connectedPromise(socket);
  return {
    connected: () => connected,
    emitWithAck: (event, ...args) => socket.emitWithAck(event, ...args),
    emit: (event, ...args) => {
      socket.emit(event, ...args);
    },
    close: () => {
      socket.disconnect();
    },
  };
};
