/**
 * @module balancer — a tiny loopback TCP load balancer standing in for Cloud Hosting's: each new
 * connection goes to the next backend in turn; a backend that refuses (stopped listening, shutting down)
 * is skipped, so a client that reconnects lands on a live instance.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Port of the backend each accepted connection was sent to, in order. */
  readonly routed: readonly number[];
  close(): Promise<void>;
}

/**
 * @example
 * const lb = await startBalancer([a.port, b.port]);
 * io(`${lb.url}/realtime-voice`, ...);
 */
export function startBalancer(ports: readonly number[]): Promise<Balancer> {
  const routed: number[] = [];
  const open = new Set<Socket>();
  let next = 0;

  const route = (client: Socket, tried: number) => {
    if (tried >= ports.length) {
      client.destroy();
      return;
    }
    const port = ports[next % ports.length]!;
    next += 1;
    const upstream = connect({ host: '127.0.0.1', port });
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
    let connected = false;
    upstream.once('error', () => {
      // Refused (stopped listening): try the next backend; an error after that just ends both sides.
      if (connected) client.destroy();
      else route(client, tried + 1);
    });
    upstream.once('connect', () => {
      connected = true;
      routed.push(port);
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.resume();
    });
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    // A client reset while its backend is still being chosen would otherwise be an unhandled 'error'.
    client.on('error', () => client.destroy());
    client.once('close', () => open.delete(client));
    route(client, 0);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        routed,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
