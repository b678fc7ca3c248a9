/**
 * Channels: state, counters, queue depths (viewer), and start / stop / pause (admin, audited).
 */
import type { FastifyInstance } from 'fastify';
import { snapshot, type OpsContext } from '../core/context.js';
import { opsError } from '../core/problem.js';
import type { OpsChannel } from '../core/types.js';
import { guard } from './auth.js';

const ACTIONS = ['start', 'stop', 'pause'] as const;
type Action = (typeof ACTIONS)[number];

export function findChannel(ctx: OpsContext, id: string): OpsChannel {
  const channel = ctx.channels().find((c) => c.id === id);
  if (!channel) throw opsError('MEDIBUS_ERR_OPS_NOT_FOUND', `no channel "${id}" runs here`);
  return channel;
}

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

export default function channels(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  app.get('/api/channels', { preHandler: guard('viewer'), schema: { summary: 'Every channel with its state, counters, last hour and queue depths', tags: ['channels'] } }, async () => ({
    channels: await Promise.all(ctx.channels().map((c) => snapshot(ctx, c))),
  }));

  app.get<{ Params: { id: string } }>('/api/channels/:id', { preHandler: guard('viewer'), schema: { summary: 'One channel', tags: ['channels'], params: idParam } }, (request) =>
    snapshot(ctx, findChannel(ctx, request.params.id)),
  );

  for (const action of ACTIONS) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
      `/api/channels/:id/${action}`,
      {
        preHandler: guard('admin'),
        schema: {
          summary: action === 'pause' ? 'Pause: the source stops accepting, queued work drains' : action === 'stop' ? 'Stop the source and the workers (queued messages wait in the broker)' : 'Start (or resume) the channel',
          tags: ['channels'],
          params: idParam,
          body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string' } } },
        },
      },
      async (request) => {
        const channel = findChannel(ctx, request.params.id);
        await run(channel, action);
        await ctx.audit({ actor: request.principal!.user, action: `channel.${action}`, target: channel.id, outcome: 'ok', ...(request.body?.reason ? { detail: { reason: request.body.reason } } : {}) });
        return { id: channel.id, state: channel.state };
      },
    );
  }
  return Promise.resolve();
}

function run(channel: OpsChannel, action: Action): Promise<void> {
  switch (action) {
    case 'start':
      return channel.resume();
    case 'stop':
      return channel.stop();
    case 'pause':
      return channel.pause();
    default:
      return action satisfies never;
  }
}
