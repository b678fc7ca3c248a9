/**
 * A real TCP proxy on 127.0.0.1 in front of RabbitMQ, so a test can cause a broker outage
 * for its own connections without touching the shared broker:
 *
 *   down()   destroys every proxied connection (the client sees the socket die, as when the
 *            broker host goes away) and resets new ones until up()
 *   stall()  keeps connections open but passes no bytes either way (a hung broker or a
 *            black-holed network: publishes pile up in buffers, confirms never arrive)
 *   up()     back to normal (stalled bytes are delivered)
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** the broker URL with host and port replaced by the proxy's */
  url(brokerUrl: string): string;
  down(): void;
  stall(): void;
  up(): void;
  /** proxied connections currently open */
  readonly connections: number;
  close(): Promise<void>;
}

type Mode = 'up' | 'down' | 'stalled';

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'up';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const server: Server = createServer((client) => {
    if (mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Plain pipes, so back-pressure works both ways; stall() unpipes and pauses both sides.
    if (mode === 'stalled') {
      client.pause();
      upstream.pause();
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const port = address.port;

  return {
    port,
    url(brokerUrl: string): string {
      const u = new URL(brokerUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    down(): void {
      mode = 'down';
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    stall(): void {
      mode = 'stalled';
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream.unpipe();
        client.pause();
        upstream.pause();
      }
    },
    up(): void {
      const wasStalled = mode === 'stalled';
      mode = 'up';
      if (wasStalled) {
        for (const { client, upstream } of pairs) {
          client.pipe(upstream);
          upstream.pipe(client);
        }
      }
    },
    get connections(): number {
      return pairs.size;
    },
    async close(): Promise<void> {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
