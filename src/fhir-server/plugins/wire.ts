/**
 * The wire format of the FHIR server: what bodies it reads, and that every answer — errors
 * from fastify itself included — is `application/fhir+json`, with an OperationOutcome when
 * something failed (R4 http.html, "HTTP Status Codes": servers SHOULD return one).
 *
 * Registered without encapsulation (`skip-override`, fastify docs Plugins.md) so the parsers
 * and handlers apply to the routes of every other plugin of the server.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from '../../log.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * `application/json` is fastify's own parser. FHIR adds `application/fhir+json` (http.html,
 * "Content Types and encodings") and, for PATCH, `application/json-patch+json`
 * (http.html#patch). The default JSON parser refuses `__proto__` keys; `constructor` is an
 * ordinary key in JSON.
 */
const JSON_TYPES = ['application/fhir+json', 'application/json-patch+json'];

export interface WireOptions {
  readonly log: Logger;
}

const wire: FastifyPluginAsync<WireOptions> = async (app: FastifyInstance, { log }) => {
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  // search by POST (http.html#search: `POST [base]/[type]/_search`, form-encoded parameters)
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(String(body))) {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    done(null, query);
  });

  app.setNotFoundHandler(async (request, reply) => {
    return sendOutcome(reply, 404, issue('not-found', `No FHIR endpoint at ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) {
      // the message only: an error's properties may quote the request body
      log.error({ err: { message: error.message, stack: error.stack }, method: request.method, url: request.url.split('?')[0] }, 'fhir-server: request failed');
      return sendOutcome(reply, status, issue('exception', 'Internal server error; see the server log'));
    }
    return sendOutcome(reply, status, issue(issueCode(status, error), error.message));
  });
};
(wire as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export default wire;

export function sendOutcome(reply: FastifyReply, status: number, ...issues: OperationOutcomeIssue[]): FastifyReply {
  const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: issues };
  return reply.code(status).header('content-type', FHIR_JSON).send(outcome);
}

export function issue(code: OperationOutcomeIssue['code'], diagnostics: string, expression?: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics, ...(expression === undefined ? {} : { expression: [expression] }) };
}

/** IssueType codes (R4 valueset-issue-type.html) for the statuses fastify raises itself */
function issueCode(status: number, error: FastifyError): OperationOutcomeIssue['code'] {
  if (status === 413) return 'too-long';
  if (status === 415) return 'not-supported';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'structure';
  return 'invalid';
}
