/**
 * /health (the process answers), /ready (broker connected, every enabled channel running and
 * listening, store reachable; 503 with the failing checks otherwise) and /metrics
 * (Prometheus text). None carries patient data; they answer without login so a load
 * balancer and Prometheus can use them (the app binds 127.0.0.1 unless configured).
 */
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../errors.js';
import type { OpsContext } from '../core/context.js';
import type { OpsMetrics } from '../core/metrics.js';

export default function standard(app: FastifyInstance, options: { ctx: OpsContext; metrics: OpsMetrics }): Promise<void> {
  const { ctx, metrics } = options;
  app.get('/health', { schema: { summary: 'Liveness', tags: ['standard'] } }, () => ({ status: 'ok' }));

  app.get('/ready', { schema: { summary: 'Readiness: broker, channels, store', tags: ['standard'] } }, async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    checks['broker'] = ctx.broker.isConnected ? { ok: true } : { ok: false, detail: 'not connected to RabbitMQ' };
    for (const c of ctx.channels()) {
      if (!c.config.enabled) continue;
      const listening = c.down === undefined && c.state === 'running' && c.address() !== undefined;
      checks[`channel:${c.id}`] = listening ? { ok: true } : { ok: false, detail: c.down ?? `channel is ${c.state}` };
    }
    try {
      await ctx.store.ping();
      checks['store'] = { ok: true };
    } catch (error) {
      checks['store'] = { ok: false, detail: errorMessage(error) };
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['standard'] } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return Promise.resolve();
}
