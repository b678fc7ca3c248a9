/**
 * Who is asking: a session cookie (`medibus_session`, set by POST /api/login: HttpOnly,
 * SameSite=Strict, Secure, Path=/) or an API token (`Authorization: Bearer mbt_…`, made by
 * `medibus token add`). The store keeps only SHA-256 hashes of both. `guard(role)` is the
 * preHandler every route uses: 401 without a principal, 403 with too small a role.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { OpsContext } from '../context.js';
import { newSecret, secretHash, verifyPassword } from '../passwords.js';
import { opsError } from '../problem.js';
import { roleAllows, type Role } from '../types.js';

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
  if (authorization?.startsWith('Bearer ')) {
    const token = await ctx.store.findToken(secretHash(authorization.slice(7).trim()));
    return token ? { user: `token:${token.name}`, role: token.role, via: 'token' } : undefined;
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (cookie === undefined) return undefined;
  const session = await ctx.store.findSession(secretHash(cookie));
  if (!session || session.expiresAt.getTime() < Date.now()) return undefined;
  return { user: session.user, role: session.role, via: 'session' };
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
      const user = await ctx.store.findUser(name);
      if (!user || !(await verifyPassword(password, user.passwordHash))) {
        await ctx.audit({ user: name, action: 'login-failed' });
        throw opsError('MEDIBUS_ERR_OPS_LOGIN', 'unknown user or wrong password');
      }
      const secret = newSecret();
      await ctx.store.putSession({ idHash: secretHash(secret), user: user.name, role: user.role, expiresAt: new Date(Date.now() + ctx.sessionTtlMs) });
      await ctx.audit({ user: user.name, action: 'login' });
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
