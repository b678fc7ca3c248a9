/**
 * Conformance driver for the http destination (webhook): a real HTTP server (fastify, from
 * test/destinations/support.ts) behind a TCP proxy, answering 202, or 503 / 422 when a case
 * says so. Every copy of a message carries its Idempotency-Key: the receiver can drop a retry.
 */
import { fakeServer, outbound, runCleanup, type Received } from '../../destinations/support.js';
import type { DestinationDriver, Undo } from '../destination.js';
import { proxied } from './tcp-peer.js';

export const httpDestinationDriver: DestinationDriver = {
  type: 'http',
  appliesOnce: false,
  async start() {
    const server = await fakeServer();
    let status = 202;
    const accepted: Received[] = [];
    server.on('/hook', (request) => {
      if (status < 300) accepted.push(request);
      return { status };
    });
    const tcp = await proxied(Number(new URL(server.url('/hook')).port));
    const answer = (code: number): Undo => {
      status = code;
      return () => void (status = 202);
    };
    return {
      config: { url: `http://127.0.0.1:${tcp.port}/hook`, timeout: '1500ms' },
      held: (message) =>
        accepted
          .filter((r) => (JSON.parse(r.body.toString('utf8')) as { messageId?: string }).messageId === message.messageId)
          .map((r) => String(r.headers['idempotency-key'])),
      openHandles: tcp.openHandles,
      transient: { 'server unreachable': tcp.unreachable, 'server answers 503': () => answer(503), 'server stops answering (past the timeout)': tcp.hold },
      permanent: {
        'server answers 422': () => ({ message: outbound({ messageId: 'refused' }), undo: answer(422) }),
      },
      hold: tcp.hold,
      async stop() {
        await tcp.proxy.close();
        await runCleanup();
      },
    };
  },
};
