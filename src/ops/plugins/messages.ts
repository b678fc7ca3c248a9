/**
 * The message browser: search (operator) and one message with its timeline, input and
 * Bundle (operator; every view of content is audited). Viewers see no patient data, and a
 * message list names control ids and types the operator may trace to a patient, so the list
 * is an operator's too.
 */
import type { FastifyInstance } from 'fastify';
import { MESSAGE_STATUSES, type MessageStatus } from '../../status/events.js';
import type { OpsContext } from '../core/context.js';
import { opsError } from '../core/problem.js';
import type { MessageDetail, MessageQuery } from '../../store/types.js';
import { guard } from './auth.js';

interface SearchQuery {
  channel?: string;
  status?: MessageStatus;
  destination?: string;
  controlId?: string;
  messageType?: string;
  patientId?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export const searchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channel: { type: 'string' },
    status: { type: 'string', enum: [...MESSAGE_STATUSES] },
    destination: { type: 'string' },
    controlId: { type: 'string', description: 'MSH-10, exact' },
    messageType: { type: 'string', description: 'e.g. ADT^A01, or a prefix: ADT' },
    patientId: { type: 'string', description: 'a patient identifier, exact (the store keeps a keyed hash)' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', description: 'next page: the `next` of the previous answer' },
  },
} as const;

export function toQuery(q: SearchQuery): MessageQuery {
  const nonEmpty = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  return {
    limit: q.limit ?? 50,
    ...(nonEmpty(q.channel) ? { channel: q.channel } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(nonEmpty(q.destination) ? { destination: q.destination } : {}),
    ...(nonEmpty(q.cursor) ? { cursor: q.cursor } : {}),
    ...(nonEmpty(q.controlId) ? { sourceId: q.controlId.trim() } : {}),
    ...(nonEmpty(q.messageType) ? { messageType: q.messageType.trim() } : {}),
    ...(nonEmpty(q.patientId) ? { patientId: q.patientId.trim() } : {}),
    ...(nonEmpty(q.from) ? { from: new Date(q.from) } : {}),
    ...(nonEmpty(q.to) ? { to: new Date(q.to) } : {}),
  };
}

export default function messages(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  app.get<{ Querystring: SearchQuery }>('/api/messages', { preHandler: guard('operator'), schema: { summary: 'Search messages (newest first)', tags: ['messages'], querystring: searchSchema } }, async (request) => {
    const page = await ctx.store.search(toQuery(request.query));
    return { messages: page.items, ...(page.next === undefined ? {} : { next: page.next }) };
  });

  app.get<{ Params: { id: string } }>(
    '/api/messages/:id',
    { preHandler: guard('operator'), schema: { summary: "A message's timeline, input and FHIR Bundle (audited)", tags: ['messages'], params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } } },
    async (request) => {
      const message = await ctx.store.message(request.params.id);
      if (!message) throw opsError('MEDIBUS_ERR_OPS_NOT_FOUND', `no message ${request.params.id} in the store`);
      // audited even without stored content: the timeline says who looked at which message
      await ctx.audit({ actor: request.principal!.user, action: message.hasContent ? 'message.view-content' : 'message.view', target: message.messageId, outcome: 'ok', detail: { channel: message.channel } });
      return messageView(message);
    },
  );
  return Promise.resolve();
}

/** the detail as JSON: the payload as text (HL7 and the JSON kinds are text; the store decoded the charset at intake) */
export function messageView(m: MessageDetail): Record<string, unknown> {
  const { payload, ...rest } = m;
  return { ...rest, ...(payload === undefined ? {} : { payload: payload.toString('utf8') }) };
}
