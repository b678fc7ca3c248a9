/**
 * Runs a prepared transaction (transaction-prepare.ts) whose entries are only creates
 * (`POST Type`), updates (`PUT Type/id`) and reads (`GET Type/id`) — every bundle medibus's
 * mappings produce — without medplum's BatchProcessor.
 *
 * medplum's processor is correct for these once conditional entries are resolved, but it is
 * generic: it copies every entry while testing every string against its urn:uuid regex,
 * serialises the whole bundle once more to report its size in an event, and routes each entry
 * three times. That is half of the time of a 35-entry transaction (bench/fhir-server.ts).
 * Here: the same steps, specialised. R4 http.html#trules:
 *  1. identities: a POST gets a new id, a PUT keeps the id of its URL; two entries with one
 *     identity fail the transaction (400, as medplum: "Duplicate resource identity");
 *  2. references: each string that holds an entry's `urn:uuid:` fullUrl is rewritten to the
 *     entry's `Type/id`, in place (the request owns the objects);
 *  3. POSTs, then PUTs, then GETs, inside the repository's transaction: any failure undoes
 *     every write and fails the whole (the journal of repository.ts);
 *  4. the transaction-response has an entry per request entry, in request order, shaped as
 *     medplum shapes them (status, location `Type/id`, outcome, resource), plus etag and
 *     lastModified. A PUT that creates the resource answers 201 (http.html#update), where
 *     medplum says 200.
 * Any other bundle (DELETE, PATCH, searches, operations) goes to medplum's processor.
 */
import { allOk, badRequest, created, getStatus, OperationOutcomeError, type WithId } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { MedibusRepository } from './repository.js';

type Step = 'POST' | 'PUT' | 'GET';

interface Planned {
  readonly index: number;
  readonly step: Step;
  readonly resourceType: string;
  readonly id: string;
  readonly resource: Resource | undefined;
  readonly ifMatch: string | undefined;
}

const DIRECT = /^([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64}))?$/;
const URN = 'urn:uuid:';

/** The plan of the bundle when every entry is one the direct path runs; undefined otherwise. */
export function planDirect(bundle: Bundle, repository: MedibusRepository): Planned[] | undefined {
  const planned: Planned[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    const { method, url, ifNoneExist, ifNoneMatch, ifModifiedSince, ifMatch } = entry.request ?? {};
    const match = DIRECT.exec(url ?? '');
    if (match === null || ifNoneExist !== undefined || ifNoneMatch !== undefined || ifModifiedSince !== undefined) return undefined;
    const [, resourceType = '', id] = match;
    if (method === 'POST' && id === undefined && entry.resource !== undefined) {
      planned.push({ index, step: 'POST', resourceType, id: repository.generateId(), resource: entry.resource, ifMatch: undefined });
    } else if (method === 'PUT' && id !== undefined && entry.resource !== undefined) {
      planned.push({ index, step: 'PUT', resourceType, id, resource: entry.resource, ifMatch: versionOf(ifMatch) });
    } else if (method === 'GET' && id !== undefined && ifMatch === undefined) {
      planned.push({ index, step: 'GET', resourceType, id, resource: undefined, ifMatch: undefined });
    } else {
      return undefined;
    }
  }
  return planned.length > 0 ? planned : undefined;
}

/** Runs the plan atomically; throws an OperationOutcomeError that fails the transaction. */
export async function runDirect(bundle: Bundle, planned: readonly Planned[], repository: MedibusRepository): Promise<Bundle> {
  const entries = bundle.entry ?? [];
  const identities = new Map<string, string>();
  const seen = new Set<string>();
  for (const { index, step, resourceType, id, resource } of planned) {
    const at = `Bundle.entry[${index}]`;
    if (resource !== undefined && resource.resourceType !== resourceType) {
      throw new OperationOutcomeError(badRequest(`Resource type ${resource.resourceType} does not match the request URL`, `${at}.resource.resourceType`));
    }
    if (step === 'PUT' && resource?.id !== id) throw new OperationOutcomeError(badRequest('Resource id does not match the request URL', `${at}.resource.id`));
    if (step === 'GET') continue;
    const reference = `${resourceType}/${id}`;
    if (seen.has(reference)) throw new OperationOutcomeError(badRequest(`Duplicate resource identity found in Bundle: ${at}`, `${at}.request.url`));
    seen.add(reference);
    const fullUrl = entries[index]?.fullUrl;
    if (fullUrl?.startsWith(URN) === true) identities.set(fullUrl, reference);
  }
  if (identities.size > 0) for (const { resource } of planned) if (resource !== undefined) rewrite(resource, identities);

  const response: BundleEntry[] = new Array<BundleEntry>(entries.length);
  await repository.withTransaction(async () => {
    for (const step of ['POST', 'PUT', 'GET'] as const) {
      for (const entry of planned) {
        if (entry.step === step) response[entry.index] = await perform(entry, repository);
      }
    }
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: response };
}

async function perform({ step, resourceType, id, resource, ifMatch }: Planned, repository: MedibusRepository): Promise<BundleEntry> {
  switch (step) {
    case 'POST':
      return answer(created, await repository.createResource({ ...(resource as Resource), id }));
    case 'PUT': {
      const existed = await repository.exists(resourceType, id);
      return answer(existed ? allOk : created, await repository.updateResource(resource as Resource, ifMatch === undefined ? undefined : { ifMatch }));
    }
    case 'GET':
      return answer(allOk, await repository.readResource(resourceType, id));
    default:
      return step satisfies never;
  }
}

function answer(outcome: OperationOutcome, resource: WithId<Resource>): BundleEntry {
  const { versionId, lastUpdated } = resource.meta ?? {};
  return {
    response: {
      status: String(getStatus(outcome)),
      location: `${resource.resourceType}/${resource.id}`,
      ...(versionId === undefined ? {} : { etag: `W/"${versionId}"` }),
      ...(lastUpdated === undefined ? {} : { lastModified: lastUpdated }),
      outcome,
    },
    resource,
  };
}

/** Rewrites, in place, every string that contains a known fullUrl. */
function rewrite(value: object, identities: ReadonlyMap<string, string>): void {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (typeof child === 'string') {
      if (child.includes(URN)) record[key] = replaceAll(child, identities);
    } else if (typeof child === 'object' && child !== null) {
      rewrite(child, identities);
    }
  }
}

function replaceAll(text: string, identities: ReadonlyMap<string, string>): string {
  const exact = identities.get(text);
  if (exact !== undefined) return exact;
  let result = text;
  for (const [fullUrl, reference] of identities) result = result.replaceAll(fullUrl, reference);
  return result;
}

/** `W/"3"` → `3` (http.html#concurrency: If-Match carries an ETag) */
function versionOf(ifMatch: string | undefined): string | undefined {
  if (ifMatch === undefined) return undefined;
  return /"([^"]+)"/.exec(ifMatch)?.[1] ?? ifMatch;
}
