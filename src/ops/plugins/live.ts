/**
 * The live feed (Server-Sent Events, viewer): `event: channels` with every channel's
 * snapshot, pushed at most PUSH_MS after a status event and at least every TICK_MS (queue
 * depths and ages change without events). SSE rather than WebSocket: one direction is all
 * the dashboard needs, it is plain HTTP (the session cookie and the proxy rules apply
 * unchanged) and EventSource reconnects by itself.
 */
import type { FastifyInstance } from 'fastify';
import { snapshot, type OpsContext } from '../core/context.js';
import { guard } from './auth.js';

const PUSH_MS = 200;
const TICK_MS = 1000;

export default function live(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  app.get('/api/live', { preHandler: guard('viewer'), schema: { summary: 'Server-Sent Events: channel snapshots (event: channels)', tags: ['channels'] } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let timer: NodeJS.Timeout | undefined;
    let sending = false;
    let closed = false;
    const send = async (): Promise<void> => {
      timer = undefined;
      if (sending || closed) return;
      sending = true;
      try {
        const channels = await Promise.all(ctx.channels().map((c) => snapshot(ctx, c)));
        if (!closed) res.write(`event: channels\ndata: ${JSON.stringify({ at: new Date().toISOString(), channels })}\n\n`);
      } finally {
        sending = false;
      }
    };
    const soon = (): void => {
      timer ??= setTimeout(() => void send(), PUSH_MS);
    };
    const off = ctx.counters.onChange(soon);
    const tick = setInterval(soon, TICK_MS);
    request.raw.on('close', () => {
      closed = true;
      off();
      clearInterval(tick);
      clearTimeout(timer);
    });
    void send();
  });
  return Promise.resolve();
}
