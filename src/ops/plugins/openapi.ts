/**
 * /api/openapi.json: an OpenAPI 3.1 document generated from the routes' own schemas (every
 * route declares summary, tags, params, querystring, body), collected as they register, so
 * the document cannot drift from the code.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

type Operation = Record<string, unknown>;

declare module 'fastify' {
  interface FastifySchema {
    /** the operation's one-line description in the OpenAPI document */
    summary?: string;
    tags?: string[];
  }
}

/** call on the root app before the plugins register: onRoute sees every route after it */
export function collectRoutes(app: FastifyInstance): () => Record<string, unknown> {
  const paths: Record<string, Record<string, Operation>> = {};
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') && !['/health', '/ready', '/metrics'].includes(route.url)) return;
    const schema = (route.schema ?? {}) as { summary?: string; tags?: string[]; params?: { properties?: Record<string, unknown> }; querystring?: { properties?: Record<string, unknown> }; body?: unknown };
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    for (const method of methods) {
      const parameters = [
        ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
        ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({ name, in: 'query', schema: s })),
        ...[...route.url.matchAll(/:([A-Za-z]+)/g)].filter((m) => !(m[1]! in (schema.params?.properties ?? {}))).map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ];
      (paths[path] ??= {})[method.toLowerCase()] = {
        summary: schema.summary ?? '',
        tags: schema.tags ?? [],
        ...(parameters.length ? { parameters } : {}),
        ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: {
          '200': { description: 'OK' },
          '4XX': { description: 'application/problem+json with a MEDIBUS_ERR_* code', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        },
      };
    }
  });
  return () => ({
    openapi: '3.1.0',
    info: { title: 'medibus operators API', version: '1', description: 'Channels, messages, dead letters and replay, users and audit. Log in with POST /api/login (cookie) or send Authorization: Bearer <token>.' },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'medibus_session' }, token: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string', pattern: '^MEDIBUS_ERR_' }, instance: { type: 'string' } } },
      },
    },
    security: [{ session: [] }, { token: [] }],
    paths,
  });
}
