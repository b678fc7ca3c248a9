/**
 * A TLS-terminating proxy on 127.0.0.1 in front of a plain TCP service (the shared RabbitMQ,
 * whose listeners cannot be changed without restarting it): real TLS from the client to the
 * proxy, with medibus's own listener-side TLS (createTlsServerOptions, so client
 * certificates are demanded and checked), then the bytes go on unchanged to the service.
 * It stands where RabbitMQ's `listeners.ssl` would: the client sees a TLS broker.
 */
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { silentLogger } from '../../src/log.js';
import { createTlsServerOptions, type TlsConfig, type TlsServerSetup } from '../../src/tls/index.js';

export interface TlsProxy {
  readonly port: number;
  readonly tls: TlsServerSetup;
  /** connections passed through to the service since start */
  readonly proxied: number;
  close(): Promise<void>;
}

export async function startTlsProxy(target: { host: string; port: number }, config: TlsConfig, name: string): Promise<TlsProxy> {
  const tls = createTlsServerOptions(config, { name, log: silentLogger });
  const open = new Set<Socket>();
  let proxied = 0;
  const server = createServer(tls.options, (client: TLSSocket) => {
    if (!tls.admit(client)) return;
    proxied += 1;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
      s.setNoDelay(true);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  tls.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    tls,
    get proxied() {
      return proxied;
    },
    close: async () => {
      tls.close();
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
