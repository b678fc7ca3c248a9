/**
 * What every TCP peer of a destination shares: the destination reaches the peer through a
 * real TCP proxy (test/support/tcp-proxy.ts), so a case can make the peer unreachable
 * (connections reset), hold requests (bytes stop flowing, as on a hung server) and count the
 * connections the destination keeps open.
 */
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import type { Undo } from '../destination.js';

export interface ProxiedPeer {
  readonly proxy: TcpProxy;
  /** the proxy's port: what the destination's config names */
  readonly port: number;
  /** transient failure shared by every TCP peer */
  readonly unreachable: () => Undo;
  hold(): Undo;
  openHandles(): number;
}

export async function proxied(port: number): Promise<ProxiedPeer> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  return {
    proxy,
    port: proxy.port,
    unreachable: () => {
      proxy.down();
      return () => proxy.up();
    },
    hold: () => {
      proxy.stall();
      return () => proxy.up();
    },
    openHandles: () => proxy.connections,
  };
}
