/**
 * @module unretained-emit — emits an event to one local socket without connection state recovery keeping
 * a copy.
 *
 * With recovery on, `socket.emit` goes through the adapter's `broadcast`, which stores every ack-less,
 * non-volatile event for the recovery window so a reconnecting client gets what it missed. A notice about
 * the client's own invalid input must not be stored (a flood of tiny bad frames would fill the server's
 * memory: issue 12), yet should not be dropped the way a volatile event is whenever the transport is busy
 * writing. The base `Adapter.broadcast` of `socket.io-adapter`, which every adapter extends (the in-memory
 * session-aware one, the Redis streams one), writes to the local socket and stores nothing.
 */
import type { Socket } from 'socket.io';
import { Adapter } from 'socket.io-adapter';

/** `socket.io-parser`'s `PacketType.EVENT`. */
const EVENT_PACKET = 2;

/**
 * @example
 * emitUnretained(socket, 'session-error', { code: 'UNKNOWN_EVENT', message });
 */
export function emitUnretained(socket: Pick<Socket, 'id' | 'nsp'>, event: string, payload: object): void {
  Adapter.prototype.broadcast.call(
    socket.nsp.adapter,
    { type: EVENT_PACKET, data: [event, payload] },
    { rooms: new Set([socket.id]), except: new Set<string>() },
  );
}
