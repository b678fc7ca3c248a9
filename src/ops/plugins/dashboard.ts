/**
 * The dashboard's pages: /login, / (the dashboard, rendered with the channel table filled),
 * and the script and style, served from memory (no CDN: a hospital network may have no
 * internet). Pages carry a strict Content-Security-Policy: own origin only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { snapshot, type OpsContext } from '../core/context.js';
import { dashboardPage, loginPage } from '../web/page.js';
import { SCRIPT, STYLE } from '../web/script.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store').send(body);
}

export default function dashboard(app: FastifyInstance, options: { ctx: OpsContext }): Promise<void> {
  const { ctx } = options;
  app.get('/login', (_request, reply) => html(reply, loginPage()));
  app.get('/', async (request, reply) => {
    const p = request.principal;
    if (!p) return reply.redirect('/login');
    const channels = await Promise.all(ctx.channels().map((c) => snapshot(ctx, c)));
    return html(reply, dashboardPage(p.user, p.role, channels));
  });
  app.get('/assets/app.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));
  app.get('/assets/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(STYLE));
  return Promise.resolve();
}
