/**
 * Dead letters (per destination) and failed transforms (the channel's failed queue): list
 * (operator; ids, type, reason, no content), and replay one, a selection, or all, with a
 * dry-run count, a required reason, a per-user rate limit, and an audit entry. The replay is
 * broker/replay.ts: each message is republished with confirms before it leaves the dead
 * queue.
 */
import type { GetMessage } from 'amqplib';
import type { FastifyInstance } from 'fastify';
import { browse } from '../../broker/browse.js';
import { replay } from '../../broker/replay.js';
import { HEADERS } from '../../broker/retry.js';
import type { DestinationTopology } from '../../broker/topology.js';
import { isMedibusError } from '../../errors.js';
import { header } from '../../pipeline/envelope.js';
import type { OpsContext } from '../core/context.js';
import { opsError } from '../core/problem.js';
import { RateLimiter } from '../core/rate.js';
import type { OpsChannel } from '../core/types.js';
import { guard } from './auth.js';
import { findChannel } from './channels.js';

const LIST_LIMIT = 200;
/** a selection larger than this is refused: replay `all` instead (each id scans the queue) */
const MAX_SELECTION = 100;

interface ReplayBody {
  /** a destination name, or `failed` for the failed transforms */
  queue: string;
  ids?: string[];
  all?: boolean;
  reason?: string;
  dryRun?: boolean;
}

/** `failed` is the channel's failed queue, replayed into ingress to be mapped again (as `medibus replay --failed`) */
export function deadSource(channel: OpsChannel, queue: string): DestinationTopology {
  const t = channel.topology;
  if (queue === 'failed') return { name: 'failed', exchange: t.ingress.exchange, queues: [], retry: [], dead: t.failed };
  const d = t.destinations.find((x) => x.name === queue);
  if (!d) throw opsError('MEDIBUS_ERR_OPS_NOT_FOUND', `channel ${channel.id} has no destination "${queue}" (known: ${t.destinations.map((x) => x.name).join(', ')}, or failed)`);
  return d;
}

function listEntry(msg: GetMessage): Record<string, unknown> {
  const timestamp: unknown = msg.properties.timestamp;
  return {
    id: typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '',
    controlId: header(msg, 'medibus-control-id'),
    messageType: header(msg, 'medibus-type'),
    attempts: Number(header(msg, HEADERS.attempts) || 0),
    code: header(msg, HEADERS.errorCode),
    reason: header(msg, HEADERS.error),
    deadAt: header(msg, HEADERS.deadAt),
    ...(typeof timestamp === 'number' ? { receivedAt: new Date(timestamp * 1000).toISOString() } : {}),
  };
}

export default function dead(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  const limiter = new RateLimiter(ctx.replayLimit.perMinute, 60_000);

  app.get<{ Params: { id: string; queue: string } }>(
    '/api/channels/:id/dead/:queue',
    { preHandler: guard('operator'), schema: { summary: 'Dead letters of a destination, or `failed` for failed transforms (not consumed)', tags: ['dead letters'] } },
    async (request) => {
      const source = deadSource(findChannel(ctx, request.params.id), request.params.queue);
      const { messages, total } = await browse(ctx.broker, source.dead, { limit: LIST_LIMIT });
      return { queue: source.dead, total, messages: messages.map(listEntry) };
    },
  );

  app.post<{ Params: { id: string }; Body: ReplayBody }>(
    '/api/channels/:id/replay',
    {
      preHandler: guard('operator'),
      schema: {
        summary: 'Replay dead letters: one, a selection (ids), or all; dryRun counts without moving',
        tags: ['dead letters'],
        body: {
          type: 'object',
          required: ['queue'],
          additionalProperties: false,
          properties: {
            queue: { type: 'string', description: 'destination name, or failed' },
            ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_SELECTION },
            all: { type: 'boolean' },
            reason: { type: 'string', description: 'why; required unless dryRun, goes to the audit log' },
            dryRun: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (request) => {
      const channel = findChannel(ctx, request.params.id);
      const body = request.body;
      const source = deadSource(channel, body.queue);
      if ((body.ids === undefined) === (body.all !== true)) throw opsError('MEDIBUS_ERR_OPS_BAD_REQUEST', 'say which messages: ids: [...] or all: true (not both)');
      const wanted = body.ids === undefined ? undefined : new Set(body.ids);
      const pick = (msg: GetMessage): boolean => wanted === undefined || wanted.has(String(msg.properties.messageId ?? ''));
      if (body.dryRun === true) {
        const { messages, total } = await browse(ctx.broker, source.dead, { limit: Number.MAX_SAFE_INTEGER, match: pick });
        return { dryRun: true, queue: source.dead, wouldReplay: messages.length, inQueue: total };
      }
      const reason = body.reason?.trim() ?? '';
      if (reason.length < 3) throw opsError('MEDIBUS_ERR_OPS_REASON_REQUIRED', 'give a reason (at least 3 characters) for the audit log');
      const user = request.principal!.user;
      if (!limiter.take(user)) throw opsError('MEDIBUS_ERR_OPS_RATE_LIMITED', `at most ${ctx.replayLimit.perMinute} replays a minute per user`);
      const replayed: string[] = [];
      const missing: string[] = [];
      // each `replayed` is emitted as its message is republished, before a worker can deliver
      // it: emitted after the request, it came after the delivery's `sent` (broker/replay.ts)
      const destination = body.queue === 'failed' ? {} : { destination: body.queue };
      // (a republish that fails leaves its message dead, in place, and the request answers the error)
      const options = {
        onRepublish: (id: string, at: Date) => ctx.status.emit({ status: 'replayed', channel: channel.id, messageId: id, ...destination, reason: `replayed by ${user}`, at }),
      };
      if (wanted === undefined) {
        replayed.push(...(await replay(ctx.broker, source, { all: true }, options)).replayed);
      } else {
        for (const id of wanted) {
          try {
            replayed.push(...(await replay(ctx.broker, source, { id }, options)).replayed);
          } catch (error) {
            if (!(isMedibusError(error) && error.code === 'MEDIBUS_ERR_CONFIG_REFERENCE')) throw error;
            missing.push(id);
          }
        }
      }
      await ctx.audit({ actor: user, action: 'replay', target: `${channel.id}/${body.queue}`, outcome: 'ok', detail: { reason, count: replayed.length, selection: wanted === undefined ? 'all' : 'ids', missing: missing.length } });
      return { queue: source.dead, replayed, missing };
    },
  );
  return Promise.resolve();
}
