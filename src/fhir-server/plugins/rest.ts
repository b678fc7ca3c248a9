/**
 * The FHIR RESTful API (R4 http.html): every interaction under the base goes to medplum's
 * FhirRouter, which parses the URL and calls the repository. This plugin adds what sits
 * around it: one writer at a time, validation before anything is written, transactions
 * (prepared by transaction-prepare.ts, run by transaction-run.ts or by medplum), and the HTTP
 * side of answers (status, headers, Prefer).
 *
 * Reads do not queue behind writes: a write section never waits on I/O (everything it awaits
 * is already settled), so no read can run while one is half done.
 */
import { allOk, getStatus, isResourceType, normalizeOperationOutcome, OperationOutcomeError } from '@medplum/core';
import { FhirRouter, type FhirRequest, type FhirResponse, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { MedibusRepository, WriteScope } from '../repository.js';
import { lacksTarget, prepareTransaction } from '../transaction-prepare.js';
import { planDirect, runDirect } from '../transaction-run.js';
import { FHIR_JSON, issue, sendOutcome } from './wire.js';

export interface RestOptions {
  readonly repository: MedibusRepository;
  /** who runs prepared transactions: transaction-run.ts when it can (default), or always medplum */
  readonly transactions: 'direct' | 'medplum';
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const rest: FastifyPluginAsync<RestOptions> = async (app, { repository, transactions }) => {
  const router = new FhirRouter();
  const prefix = app.prefix;

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const url = request.url.slice(prefix.length).replace(/^\/+/, '');
    const type = url.split(/[/?]/, 1)[0] ?? '';
    // An unknown type would otherwise search to an empty Bundle or create an untyped resource.
    if (type !== '' && !type.startsWith('$') && !type.startsWith('_') && !isResourceType(type)) {
      return sendOutcome(reply, 404, issue('not-supported', `Unknown resource type "${type}"`));
    }
    // HEAD is GET without a body (http.html#read); fastify strips the body itself.
    const method: HttpMethod = request.method === 'HEAD' ? 'GET' : (request.method as HttpMethod);
    if (lacksTarget(method, url)) return sendOutcome(reply, 400, issue('invalid', `${method} ${url} names no resource: give an id or search criteria`));
    const fhirRequest: FhirRequest = {
      method,
      url,
      pathname: '',
      params: {},
      query: {},
      body: request.body,
      headers: request.headers,
      // without it medplum runs a transaction Bundle as a batch, entry by entry
      config: { transactions: true },
    };
    const response = method === 'GET' ? await router.handleRequest(fhirRequest, repository) : await repository.exclusive((scope) => write(fhirRequest, scope));
    return answer(request, reply, response);
  };

  /** inside the write lock: validate or prepare, then let medplum do the interaction */
  const write = async (fhirRequest: FhirRequest, scope: WriteScope): Promise<FhirResponse> => {
    const body: unknown = fhirRequest.body;
    // parsed for this request alone: the repository may keep its objects instead of copies
    scope.owned = true;
    try {
      if (fhirRequest.url === '' && isBundle(body) && body.type === 'transaction') {
        const prepared = await prepareTransaction(body, repository);
        // PATCH results are not known before they run; the repository checks them as written
        scope.prevalidated = !(body.entry ?? []).some((entry) => entry.request?.method === 'PATCH');
        const plan = transactions === 'direct' ? planDirect(prepared, repository) : undefined;
        if (plan !== undefined) return [allOk, await runDirect(prepared, plan, repository)];
        fhirRequest.body = prepared;
      } else if (isResourceWrite(fhirRequest.method, fhirRequest.url)) {
        // before a conditional create that matches skips the write, and so the check
        repository.check(body);
        scope.prevalidated = true;
      }
    } catch (error) {
      if (error instanceof OperationOutcomeError) return [error.outcome];
      throw error;
    }
    return router.handleRequest(fhirRequest, repository);
  };

  app.route({ method: [...METHODS], url: '/', handler });
  app.route({ method: [...METHODS], url: '/*', handler });
};
export default rest;

type Prefer = 'minimal' | 'representation' | 'OperationOutcome' | undefined;

/** Status from the outcome (medplum's getStatus), FHIR headers, and the body Prefer asks for. */
function answer(request: FastifyRequest, reply: FastifyReply, [outcome, resource]: FhirResponse): FastifyReply {
  const status = getStatus(outcome);
  if (resource === undefined || status >= 400) return reply.code(status).header('content-type', FHIR_JSON).send(normalizeOperationOutcome(outcome));
  reply.code(status).header('content-type', FHIR_JSON);
  const base = `${request.protocol}://${request.host}${request.routeOptions.url?.replace(/\/\*?$/, '') ?? ''}`;
  const versionId = resource.meta?.versionId;
  if (versionId !== undefined) reply.header('etag', `W/"${versionId}"`);
  if (resource.meta?.lastUpdated !== undefined) reply.header('last-modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201 && resource.id !== undefined) {
    // http.html#create: Location is the new resource's versioned URL
    reply.header('location', `${base}/${resource.resourceType}/${resource.id}${versionId === undefined ? '' : `/_history/${versionId}`}`);
  }
  const prefer = readPrefer(request.headers.prefer);
  if (resource.resourceType === 'Bundle') return reply.send(shapeBundle(resource, base, prefer));
  if (prefer === 'minimal') return reply.send();
  return reply.send(prefer === 'OperationOutcome' ? outcome : resource);
}

/**
 * Search results get the fullUrl every searchset entry needs (R4 bundle.html, bdl-7/bdl-8
 * context). Transaction and batch responses under `return=minimal` keep status, location,
 * etag and failed outcomes, and drop resources (http.html#transaction, on the response).
 */
function shapeBundle(bundle: Bundle, base: string, prefer: Prefer): Bundle {
  if (bundle.type === 'searchset') {
    return { ...bundle, entry: bundle.entry?.map((entry) => (entry.resource?.id === undefined ? entry : { fullUrl: `${base}/${entry.resource.resourceType}/${entry.resource.id}`, ...entry })) };
  }
  if (prefer !== 'minimal' || (bundle.type !== 'transaction-response' && bundle.type !== 'batch-response')) return bundle;
  return {
    ...bundle,
    entry: bundle.entry?.map(({ response }) => {
      if (response === undefined) return {};
      const { outcome, ...rest } = response;
      const failed = outcome !== undefined && getStatus(outcome as OperationOutcome) >= 400;
      return { response: failed ? response : rest };
    }),
  };
}

/** `Prefer: return=…` (http.html "Managing Return Content", RFC 7240) */
function readPrefer(header: string | string[] | undefined): Prefer {
  const value = Array.isArray(header) ? header.join(',') : header;
  const match = /(?:^|[,;\s])return=(minimal|representation|OperationOutcome)\b/.exec(value ?? '');
  return match?.[1] as Prefer;
}

/** create (`POST Type`), update (`PUT Type/id`) or conditional update (`PUT Type?…`); not `_search` or `$op` */
function isResourceWrite(method: HttpMethod, url: string): boolean {
  if (method === 'POST') return /^[A-Za-z]+(\?|$)/.test(url);
  return method === 'PUT' && /^[A-Za-z]+(\/[^/?$]+)?(\?|$)/.test(url);
}

function isBundle(body: unknown): body is Bundle {
  return typeof body === 'object' && body !== null && (body as Resource).resourceType === 'Bundle';
}
