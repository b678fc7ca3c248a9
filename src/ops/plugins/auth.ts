/**
 * Who is asking: a session cookie (`medibus_session`, set by POST /api/login: HttpOnly,
 * SameSite=Strict, Secure, Path=/) or an API token (`Authorization: Bearer mbt_…`, made by
 * `medibus token add`). The store keeps only SHA-256 hashes of both. `guard(role)` is the
 * preHandler every route uses: 401 without a principal, 403 with too small a role.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { OpsContext } from '../core/context.js';
import { newSecret, secretHash, verifyPassword } from '../core/passwords.js';
import { opsError } from '../core/problem.js';
import { roleAllows, type Role } from '../core/types.js';

export const SESSION_COOKIE = 'medibus_session';

export interface Principal {
  readonly user: string;
  readonly role: Role;
  readonly via: 'session' | 'token';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export function guard(role: Role): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const p = request.principal;
    if (!p) throw opsError('MEDIBUS_ERR_OPS_UNAUTHENTICATED', 'not logged in');
    if (!roleAllows(p.role, role)) throw opsError('MEDIBUS_ERR_OPS_FORBIDDEN', `this needs the ${role} role; ${p.user} is ${p.role}`);
  };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function sessionCookie(ctx: OpsContext, value: string, maxAgeSeconds: number): string {
  return [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(ctx.secureCookies ? ['Secure'] : [])].join('; ');
}

async function resolvePrincipal(ctx: OpsContext, request: FastifyRequest): Promise<Principal | undefined> {
  const authorization = request.headers.authorization;
  const now = Date.now();
  if (authorization?.startsWith('Bearer ')) {
    const token = await ctx.store.tokenByHash(secretHash(authorization.slice(7).trim()));
    if (!token || token.revoked || (token.expiresAt !== undefined && token.expiresAt.getTime() < now)) return undefined;
    // the token acts with its user's current role: demoting the user demotes the token
    const user = await ctx.store.user(token.user);
    return user && !user.disabled ? { user: `token:${token.id}`, role: user.role, via: 'token' } : undefined;
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (cookie === undefined) return undefined;
  const session = await ctx.store.session(secretHash(cookie));
  if (!session || session.expiresAt.getTime() < now) return undefined;
  const user = await ctx.store.user(session.user);
  return user && !user.disabled ? { user: user.name, role: user.role, via: 'session' } : undefined;
}

/** on the root app (not a plugin: its hook must reach every plugin's routes) */
export function installPrincipal(app: FastifyInstance, ctx: OpsContext): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    request.principal = await resolvePrincipal(ctx, request);
  });
}

export default function auth(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;

  app.post<{ Body: { name: string; password: string } }>(
    '/api/login',
    {
      schema: {
        summary: 'Log in; sets the session cookie',
        tags: ['auth'],
        body: { type: 'object', required: ['name', 'password'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } } },
      },
    },
    async (request, reply: FastifyReply) => {
      const { name, password } = request.body;
      const user = await ctx.store.user(name);
      if (!user || user.disabled || !(await verifyPassword(password, user.passwordHash))) {
        await ctx.audit({ actor: name, action: 'login', outcome: 'denied', detail: { remote: request.ip } });
        throw opsError('MEDIBUS_ERR_OPS_LOGIN', 'unknown user or wrong password');
      }
      const secret = newSecret();
      const now = new Date();
      await ctx.store.addSession({ idHash: secretHash(secret), user: user.name, createdAt: now, expiresAt: new Date(now.getTime() + ctx.sessionTtlMs) });
      await ctx.audit({ actor: user.name, action: 'login', outcome: 'ok', detail: { remote: request.ip } });
      reply.header('set-cookie', sessionCookie(ctx, secret, Math.floor(ctx.sessionTtlMs / 1000)));
      return { user: user.name, role: user.role };
    },
  );

  app.post('/api/logout', { schema: { summary: 'End the session', tags: ['auth'] } }, async (request, reply) => {
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie !== undefined) await ctx.store.deleteSession(secretHash(cookie));
    reply.header('set-cookie', sessionCookie(ctx, '', 0));
    return { ok: true };
  });

  app.get('/api/me', { preHandler: guard('viewer'), schema: { summary: 'Who is logged in', tags: ['auth'] } }, (request) => request.principal);
  return Promise.resolve();
}
