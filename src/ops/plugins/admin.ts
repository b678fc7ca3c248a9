/**
 * Admin: the audit log (a page, or all of it as NDJSON, itself audited) and the users.
 * Adding users is also `medibus user add` (the first admin can only be made that way).
 */
import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../store/types.js';
import type { OpsContext } from '../core/context.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../core/passwords.js';
import { opsError } from '../core/problem.js';
import { guard } from './auth.js';

export default function admin(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  app.get<{ Querystring: { limit?: number; cursor?: string; actor?: string; action?: string } }>(
    '/api/audit',
    {
      preHandler: guard('admin'),
      schema: {
        summary: 'The audit log, newest first',
        tags: ['admin'],
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, cursor: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' } } },
      },
    },
    async (request) => {
      const { limit, cursor, actor, action } = request.query;
      const page = await ctx.store.audit({ limit: limit ?? 100, ...(cursor ? { cursor } : {}), ...(actor ? { actor } : {}), ...(action ? { action } : {}) });
      return { entries: page.items, ...(page.next === undefined ? {} : { next: page.next }) };
    },
  );

  app.get('/api/audit.ndjson', { preHandler: guard('admin'), schema: { summary: 'The whole audit log as NDJSON, oldest first (the export is audited)', tags: ['admin'] } }, async (request, reply) => {
    await ctx.audit({ actor: request.principal!.user, action: 'audit.export', outcome: 'ok' });
    const lines: string[] = [];
    for await (const line of ctx.store.exportAudit({})) lines.push(line.endsWith('\n') ? line : `${line}\n`);
    return reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', 'attachment; filename="medibus-audit.ndjson"').send(lines.join(''));
  });

  app.get('/api/users', { preHandler: guard('admin'), schema: { summary: 'Users and roles (no hashes)', tags: ['admin'] } }, async () => ({
    users: (await ctx.store.users()).map(({ name, role, disabled, createdAt }) => ({ name, role, disabled, createdAt })),
  }));

  app.post<{ Body: { name: string; role: Role; password: string } }>(
    '/api/users',
    {
      preHandler: guard('admin'),
      schema: {
        summary: 'Add or change a user (audited)',
        tags: ['admin'],
        body: {
          type: 'object',
          required: ['name', 'role', 'password'],
          additionalProperties: false,
          properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, role: { type: 'string', enum: [...ROLES] }, password: { type: 'string' } },
        },
      },
    },
    async (request) => {
      const { name, role, password } = request.body;
      if (password.length < MIN_PASSWORD_LENGTH) throw opsError('MEDIBUS_ERR_OPS_BAD_REQUEST', `the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
      const existing = await ctx.store.user(name);
      await ctx.store.putUser({ name, role, passwordHash: await hashPassword(password), disabled: false, createdAt: existing?.createdAt ?? new Date() });
      await ctx.audit({ actor: request.principal!.user, action: existing ? 'user.change' : 'user.add', target: name, outcome: 'ok', detail: { role } });
      return { name, role };
    },
  );
  return Promise.resolve();
}
