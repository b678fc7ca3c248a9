/**
 * The operators' app: JSON API, dashboard, live feed, /metrics /health /ready. Built by a
 * factory that never listens (as fhir-server/app.ts); index.ts listens. One plugin per
 * concern:
 *
 *   plugins/auth.ts       login/logout, who is asking (session cookie or API token), guard(role)
 *   plugins/channels.ts   states, counters, queue depths; start / stop / pause (admin)
 *   plugins/messages.ts   search, detail with timeline and content (operator, audited)
 *   plugins/dead.ts       dead letters and failed transforms, replay (operator, audited)
 *   plugins/admin.ts      audit log (+ NDJSON export) and users (admin)
 *   plugins/live.ts       Server-Sent Events with channel snapshots
 *   plugins/standard.ts   /health /ready /metrics
 *   plugins/dashboard.ts  the HTML pages, script and style (no CDN)
 *   plugins/openapi.ts    /api/openapi.json from the route schemas
 */
import fastify, { type FastifyInstance } from 'fastify';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';
import { oldestWaiting, type OpsBroker, type OpsContext } from './core/context.js';
import { OpsCounters } from './core/counters.js';
import { OpsMetrics } from './core/metrics.js';
import admin from './plugins/admin.js';
import auth, { installPrincipal } from './plugins/auth.js';
import channelsPlugin from './plugins/channels.js';
import dashboard from './plugins/dashboard.js';
import dead from './plugins/dead.js';
import live from './plugins/live.js';
import messages from './plugins/messages.js';
import { collectRoutes } from './plugins/openapi.js';
import standard from './plugins/standard.js';
import { errorHandler, problemBody } from './core/problem.js';
import { QueueSampler } from './core/queues.js';
import type { MessageStore, OpsChannel } from './core/types.js';

export interface OperatorsAppOptions {
  /** the engine's running channels (Engine.channels), read on each request */
  readonly channels: () => readonly OpsChannel[];
  readonly store: MessageStore;
  /** a broker connection of the app's own: queue depths, dead-letter browsing, replay */
  readonly broker: OpsBroker;
  readonly status: StatusBus;
  /** operational log: no bodies, no patient data */
  readonly log: Logger;
  /** Secure on the session cookie (default true) */
  readonly secureCookies?: boolean;
  /** default 8 h: a shift */
  readonly sessionTtlMs?: number;
  /** replay requests per user and minute (default 10) */
  readonly replaysPerMinute?: number;
}

export interface OperatorsApp {
  readonly app: FastifyInstance;
  /** unsubscribes from the status bus; call after app.close() */
  detach(): void;
}

export function buildOperatorsApp(options: OperatorsAppOptions): OperatorsApp {
  const { log, store, status } = options;
  const counters = new OpsCounters({ destinationsOf: (id) => options.channels().find((c) => c.id === id)?.config.destinations.map((d) => d.name) ?? [] });
  const sampler = new QueueSampler(options.broker);
  const ctx: OpsContext = {
    channels: options.channels,
    store,
    counters,
    sampler,
    broker: options.broker,
    status,
    log,
    secureCookies: options.secureCookies ?? true,
    sessionTtlMs: options.sessionTtlMs ?? 8 * 3600_000,
    replayLimit: { perMinute: options.replaysPerMinute ?? 10 },
    async audit(entry) {
      try {
        await store.appendAudit({ ...entry, at: new Date() });
      } catch (error) {
        log.error({ event: 'audit-failed', action: entry.action, reason: errorMessage(error) }, 'could not write the audit entry');
        throw error;
      }
    },
  };
  const metrics = new OpsMetrics({
    channels: options.channels,
    depths: (c) => sampler.depths(c.topology),
    oldestWaitingMs: async (c) => oldestWaiting(ctx, c, await sampler.depths(c.topology)),
  });
  const unfollow = [counters.follow(status), metrics.follow(status)];

  const app = fastify({ logger: false, bodyLimit: 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type('application/problem+json; charset=utf-8').send(problemBody('MEDIBUS_ERR_OPS_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, 404)),
  );
  installPrincipal(app, ctx);
  const openapi = collectRoutes(app);
  app.register(auth, { ctx });
  app.register(channelsPlugin, { ctx });
  app.register(messages, { ctx });
  app.register(dead, { ctx });
  app.register(admin, { ctx });
  app.register(live, { ctx });
  app.register(standard, { ctx, metrics });
  app.register(dashboard, { ctx });
  app.get('/api/openapi.json', { schema: { summary: 'This document', tags: ['standard'] } }, () => openapi());
  return { app, detach: () => unfollow.forEach((off) => off()) };
}
