/**
 * What medibus does to a transaction Bundle before it runs (transaction-run.ts, or medplum's
 * BatchProcessor for the entries that one does not run).
 *
 * medplum 4.5.2 processes transactions itself: it orders entries (DELETE, POST, PUT, …, GET,
 * as R4 http.html#trules asks), resolves conditional requests and rewrites `urn:uuid:`
 * references to the ids it assigned (test/fhir-server/medplum.test.ts pins what it does
 * alone). What stops it from serving medibus's bundles:
 *
 *  1. A transaction with any conditional entry "requires strict isolation" and is refused
 *     with 400 past 8 entries (batch.ts `maxSerializableTransactionEntries`); an ORU with 30
 *     OBX has 35 conditional updates.
 *  2. Multiple matches answer 400, where http.html#cond-update and #ccreate say 412
 *     Precondition Failed ("the client's criteria were not selective enough").
 *  3. Two entries with the same condition fail only by accident ("Resource ID did not match
 *     resolved ID", when the second re-searches and finds what the first created). #trules
 *     makes it a rule: "if any resource identities (including resolved identities from
 *     conditional update/delete) overlap in steps 1-3, then the transaction SHALL fail"; here
 *     it is checked up front and the answer names both entries.
 *  4. MemoryRepository.withTransaction does not undo anything: repository.ts journals writes.
 *
 * So conditional entries are resolved here, against the state before the transaction (as
 * #trules has it), and handed on as plain requests medplum knows how to do atomically:
 *  - `PUT Type?cond` (#cond-update): one match → `PUT Type/id`; none → `POST Type` (update as
 *    create; medplum assigns the id, answers 201 and maps the fullUrl); several → 412;
 *  - `POST Type` + `ifNoneExist` (#ccreate): none → plain `POST Type`; one → `GET Type/id`
 *    ("the server ignores the post and returns 200 OK"), and references to the entry's
 *    fullUrl are rewritten to `Type/id` here, since medplum maps no identity for a read;
 *    several → 412.
 * Every resource is validated first, with its entry in the issue paths
 * (`Bundle.entry[3].resource.birthDate`), so nothing is written when one is invalid.
 */
import { badRequest, multipleMatches, OperationOutcomeError, parseSearchRequest, preconditionFailed, type SearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { planIndexedSearch, tokenKey } from './identifier-index.js';
import type { MedibusRepository } from './repository.js';
import { errorMessage } from '../errors.js';

/**
 * A PUT, PATCH or DELETE on `Type` alone (or `Type?` with nothing after) has neither an id
 * nor criteria. medplum treats it as conditional on an empty search, which matches every
 * resource of the type: with exactly one stored, it would be overwritten or deleted.
 * http.html#cond-update and the conditional delete of http.html#delete need search parameters, so this is a 400.
 */
export function lacksTarget(method: string | undefined, url: string): boolean {
  return (method === 'PUT' || method === 'PATCH' || method === 'DELETE') && /^[A-Za-z]+\??$/.test(url);
}

/** Returns the bundle to run; throws an OperationOutcomeError to fail the transaction. */
export async function prepareTransaction(bundle: Bundle, repository: MedibusRepository): Promise<Bundle> {
  const conditions = new Map<string, number>();
  /** fullUrl of a conditional create that found its resource → `Type/id` */
  const existing = new Map<string, string>();
  const entries: BundleEntry[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    const at = `Bundle.entry[${index}]`;
    const { method, url, ifNoneExist } = entry.request ?? {};
    if (url !== undefined && lacksTarget(method, url)) throw fail(badRequest(`${method} ${url} names no resource: give an id or search criteria`, `${at}.request.url`));
    if (entry.resource !== undefined && (method === 'POST' || method === 'PUT')) repository.check(entry.resource, `${at}.resource`);
    if (method === 'PUT' && url?.includes('?') === true) {
      entries.push(await resolveUpdate(entry, at, repository, claim(conditions, index, url)));
    } else if (method === 'POST' && url !== undefined && ifNoneExist !== undefined && ifNoneExist !== '') {
      entries.push(await resolveCreate(entry, at, repository, claim(conditions, index, `${url}?${ifNoneExist}`), existing));
    } else {
      entries.push(entry);
    }
  }
  return { ...bundle, entry: existing.size === 0 ? entries : entries.map((entry) => rewriteReferences(entry, existing)) };
}

interface Condition {
  readonly resourceType: string;
  readonly search: SearchRequest;
}

async function resolveUpdate(entry: BundleEntry, at: string, repository: MedibusRepository, { resourceType, search }: Condition): Promise<BundleEntry> {
  const { resource, request } = entry;
  if (resource === undefined || request === undefined) return entry;
  if (resource.resourceType !== resourceType) throw fail(badRequest(`Resource type ${resource.resourceType} does not match the request URL`, `${at}.resource.resourceType`));
  // one id is the answer; asking for two is enough to know there are several
  const [match, another] = await repository.matchIds(search, 2);
  if (another !== undefined) throw fail(withPath(multipleMatches, `${at}.request.url`, 'the conditional update matches more than one resource'));
  if (match !== undefined) {
    if (resource.id !== undefined && resource.id !== match) {
      throw fail(badRequest(`Resource id ${resource.id} is not the id of the resource the condition matches`, `${at}.resource.id`));
    }
    return { ...entry, resource: { ...resource, id: match }, request: { ...request, url: `${resourceType}/${match}` } };
  }
  // No match. With If-Match, the version asked for cannot match (http.html#concurrency).
  if (request.ifMatch !== undefined) throw fail(withPath(preconditionFailed, `${at}.request.ifMatch`, 'the conditional update matches no resource'));
  // A client-chosen id: update as create under that id (http.html#update), unless the id is taken by a
  // resource the condition did not select.
  if (resource.id !== undefined) {
    if (await repository.exists(resourceType, resource.id)) {
      throw fail(badRequest(`Resource id ${resource.id} exists but does not match the condition`, `${at}.resource.id`));
    }
    return { ...entry, request: { ...request, url: `${resourceType}/${resource.id}` } };
  }
  return { ...entry, request: { method: 'POST', url: resourceType } };
}

async function resolveCreate(
  entry: BundleEntry,
  at: string,
  repository: MedibusRepository,
  { resourceType, search }: Condition,
  existing: Map<string, string>,
): Promise<BundleEntry> {
  const [match, another] = await repository.matchIds(search, 2);
  if (another !== undefined) throw fail(withPath(multipleMatches, `${at}.request.ifNoneExist`, 'the conditional create matches more than one resource'));
  const { ifNoneExist: _condition, ...request } = entry.request ?? { method: 'POST', url: resourceType };
  if (match === undefined) return { ...entry, request };
  const reference = `${resourceType}/${match}`;
  if (entry.fullUrl !== undefined) existing.set(entry.fullUrl, reference);
  return { ...(entry.fullUrl === undefined ? {} : { fullUrl: entry.fullUrl }), request: { method: 'GET', url: reference } };
}

/** Parses the condition and records it; a second entry with the same one fails the transaction. */
function claim(conditions: Map<string, number>, index: number, url: string): Condition {
  const at = `Bundle.entry[${index}]`;
  let search: SearchRequest;
  try {
    search = parseSearchRequest(url);
  } catch (error) {
    throw fail(badRequest(`Invalid condition: ${errorMessage(error)}`, `${at}.request`));
  }
  const plan = planIndexedSearch(search);
  const key = plan === undefined ? url : tokenKey(search.resourceType, plan.tokens);
  const first = conditions.get(key);
  if (first !== undefined) {
    throw fail(badRequest(`Bundle.entry[${first}] and ${at} have the same condition; the transaction would create or update one resource twice`, `${at}.request`));
  }
  conditions.set(key, index);
  return { resourceType: search.resourceType, search };
}

/** Replaces the fullUrls of matched conditional creates wherever another entry names them. */
function rewriteReferences(entry: BundleEntry, existing: ReadonlyMap<string, string>): BundleEntry {
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('urn:uuid:')) return value;
      let result = value;
      for (const [fullUrl, reference] of existing) result = result.replaceAll(fullUrl, reference);
      return result;
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  if (entry.resource === undefined) return entry;
  return { ...entry, resource: rewrite(entry.resource) as Resource };
}

function withPath(outcome: OperationOutcome, expression: string, diagnostics: string): OperationOutcome {
  return { ...outcome, issue: (outcome.issue ?? []).map((issue) => ({ ...issue, diagnostics, expression: [expression] })) };
}

function fail(outcome: OperationOutcome): OperationOutcomeError {
  return new OperationOutcomeError(outcome);
}
