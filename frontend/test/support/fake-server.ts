/**
 * A scripted Socket.IO server behind a fake {@link Transport}, for unit tests of the composables only.
 *
 * It speaks just enough Engine.IO v4 / Socket.IO v5 on the wire (open packet, namespace CONNECT or
 * CONNECT_ERROR, events with acks, one-attachment binary events) for the real client to run against it,
 * without a network. Callbacks are delivered asynchronously, as a real socket would.
 */
import type { Transport, TransportListener } from 'socket.io-miniprogram';

export interface ReceivedEvent {
  readonly event: string;
  readonly args: readonly unknown[];
}

type AckHandler = (args: readonly unknown[]) => unknown;

export class FakeConnection {
  closed = false;
  constructor(
    private readonly server: FakeSocketServer,
    readonly listener: TransportListener,
    readonly path: string,
  ) {}

  /** Server → client frame. */
  send(frame: string | ArrayBuffer): void {
    setTimeout(() => {
      if (!this.closed) this.listener.onMessage(frame);
    }, 0);
  }

  /** The server goes away (network drop / restart). */
  drop(code = 1006, reason = 'connection lost'): void {
    if (this.closed) return;
    this.closed = true;
    setTimeout(() => this.listener.onClose({ code, reason }), 0);
  }

  /** One packet the client sent. */
  receive(frame: string | ArrayBuffer): void {
    this.server.handleFrame(this, frame);
  }
}

export class FakeSocketServer {
  readonly namespace: string;
  readonly connections: FakeConnection[] = [];
  readonly received: ReceivedEvent[] = [];
  readonly authPayloads: unknown[] = [];
  /** When set, namespace CONNECTs are answered with CONNECT_ERROR and this message. */
  refuseWith: string | undefined;
  /** When true, opening a connection fails (server down). */
  down = false;
  /** Answers for events with acks, by event name. */
  readonly ackHandlers = new Map<string, AckHandler>();
  private pendingBinary: { ackId: number | undefined; header: unknown[] } | undefined;
  private sidCounter = 0;

  constructor(namespace = '/realtime-voice') {
    this.namespace = namespace;
  }

  get current(): FakeConnection | undefined {
    const last = this.connections[this.connections.length - 1];
    return last && !last.closed ? last : undefined;
  }

  /** The transport to give the client. */
  readonly transport: Transport = {
    name: 'fake',
    open: (request, listener) => {
      const connection = new FakeConnection(this, listener, request.path);
      this.connections.push(connection);
      if (this.down) {
        connection.closed = true;
        setTimeout(() => {
          listener.onError(
            Object.assign(new Error('connection refused'), { code: 'TRANSPORT_ERROR' }) as never,
          );
          listener.onClose({ code: 1006, reason: 'connection refused' });
        }, 0);
      } else {
        setTimeout(() => {
          if (connection.closed) return;
          listener.onOpen();
          connection.send(
            `0${JSON.stringify({ sid: `e${++this.sidCounter}`, upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1_000_000 })}`,
          );
        }, 0);
      }
      return {
        send: (data) => connection.receive(data),
        close: () => {
          connection.closed = true;
        },
      };
    },
  };

  /** Server → client event on the current connection. */
  emit(event: string, ...args: unknown[]): void {
    this.current?.send(`42${this.namespace},${JSON.stringify([event, ...args])}`);
  }

  events(name: string): ReceivedEvent[] {
    return this.received.filter((e) => e.event === name);
  }

  handleFrame(connection: FakeConnection, frame: string | ArrayBuffer): void {
    if (typeof frame !== 'string') {
      const pending = this.pendingBinary;
      this.pendingBinary = undefined;
      if (!pending) return;
      const args = pending.header.map((arg) =>
        typeof arg === 'object' && arg !== null && (arg as { _placeholder?: boolean })._placeholder
          ? frame
          : arg,
      );
      this.record(connection, args, pending.ackId);
      return;
    }
    if (frame === '3' || frame === '2') return; // pong / ping
    if (!frame.startsWith('4')) return;
    const match = /^4(\d)(?:(\d+)-)?(\/[^,]*)?,?(\d+)?(.*)$/s.exec(frame);
    if (!match) return;
    const [, type, attachments, nsp = '/', ackId, json] = match;
    if (nsp !== this.namespace) return;
    if (type === '0') {
      this.authPayloads.push(json ? JSON.parse(json) : undefined);
      if (this.refuseWith !== undefined) {
        connection.send(`44${this.namespace},${JSON.stringify({ message: this.refuseWith })}`);
      } else {
        connection.send(`40${this.namespace},${JSON.stringify({ sid: `s${++this.sidCounter}` })}`);
      }
      return;
    }
    if (type === '2') {
      this.record(
        connection,
        JSON.parse(json ?? '[]') as unknown[],
        ackId === undefined ? undefined : Number(ackId),
      );
      return;
    }
    if (type === '5' && attachments === '1') {
      this.pendingBinary = {
        ackId: ackId === undefined ? undefined : Number(ackId),
        header: JSON.parse(json ?? '[]') as unknown[],
      };
    }
  }

  private record(connection: FakeConnection, args: unknown[], ackId: number | undefined): void {
    const [event, ...rest] = args as [string, ...unknown[]];
    this.received.push({ event, args: rest });
    if (ackId === undefined) return;
    const handler = this.ackHandlers.get(event);
    if (!handler) return;
    const answer = handler(rest);
    connection.send(`43${this.namespace},${ackId}${JSON.stringify([answer])}`);
  }
}

/** Waits until `predicate` holds (bounded). */
export async function until(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
