/**
 * `merge: imagingstudy` on a fhir destination (docs/dicom-study-merge.md): a Bundle's
 * ImagingStudy is not written as it is, which would leave the study with the one series and
 * instance of the last object that arrived, but joined with what the server holds.
 *
 * For each ImagingStudy entry, after the Bundle's other entries went in as one transaction:
 *
 *   1. search `ImagingStudy?identifier=<system>|<StudyInstanceUID>`;
 *   2. none: conditional create (`If-None-Exist` on that identifier). 201 is done; 200 says
 *      another writer created it between our search and our create (our content was not
 *      written), 412 that several exist: back to 1;
 *   3. found: join it with ours (src/fhir/imaging-study-merge.ts). Nothing new: done, nothing
 *      written. Else `PUT ImagingStudy/<id>` with `If-Match: W/"<versionId>"`; 2xx is done,
 *      409/412 (another writer's version came first) and 404 (deleted meanwhile): back to 1.
 *
 * A delivery succeeds only once a write that holds its series and instance has been accepted
 * against the version it read, so no accepted instance is ever overwritten. After
 * MAX_ATTEMPTS conflicts in a row the delivery fails as retryable: the worker's backoff
 * spreads the writers out.
 */
import type { Bundle, BundleEntry, ImagingStudy } from '@medplum/fhirtypes';
import { mergeImagingStudy, sameStudy, studyIdentifier } from '../fhir/imaging-study-merge.js';
import { isRecord } from '../util/objects.js';
import { abortError, DeliveryError } from './delivery-error.js';
import { parseJson } from './http-errors.js';
import type { HttpEndpoint } from './http-endpoint.js';
import type { OutboundMessage } from './types.js';

/** conflicts in a row before the delivery fails as retryable (each costs a search and a write) */
export const MAX_ATTEMPTS = 20;

/** POSTs a transaction and returns its checked transaction-response (fhir.ts) */
export type PostTransaction = (bundle: Bundle, signal: AbortSignal) => Promise<unknown>;

/** whether the Bundle has an entry this merge handles */
export function hasImagingStudy(bundle: Bundle): boolean {
  return (bundle.entry ?? []).some((entry) => entry.resource?.resourceType === 'ImagingStudy');
}

export async function deliverMergingStudies(endpoint: HttpEndpoint, message: OutboundMessage, bundle: Bundle, post: PostTransaction, signal: AbortSignal): Promise<void> {
  const entries = bundle.entry ?? [];
  const studies = entries.filter((entry) => entry.resource?.resourceType === 'ImagingStudy');
  const others = entries.filter((entry) => entry.resource?.resourceType !== 'ImagingStudy');
  refuseReferencesToStudies(studies, others);
  let locations = new Map<string, string>();
  if (others.length > 0) {
    const response = await post({ ...bundle, entry: others }, signal);
    locations = locationsOf(others, response);
  }
  for (const entry of studies) {
    const study = resolveReferences(entry.resource as ImagingStudy, locations);
    await mergeOne(endpoint, message, study, signal);
  }
}

async function mergeOne(endpoint: HttpEndpoint, message: OutboundMessage, incoming: ImagingStudy, signal: AbortSignal): Promise<void> {
  const key = studyIdentifier(incoming);
  if (key === undefined) {
    throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'merge: imagingstudy needs an ImagingStudy.identifier with system and value (the StudyInstanceUID as urn:dicom:uid | urn:oid:<uid>) to find the stored study by');
  }
  const condition = `identifier=${encodeURIComponent(`${key.system}|${key.value}`)}`;
  const headers = { 'x-request-id': message.messageId };
  const { id: _id, meta: _meta, ...fresh } = incoming;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) await pause(attempt, signal);
    const stored = await search(endpoint, message, condition, signal);
    if (stored.length === 0) {
      const body = mergeImagingStudy(undefined, fresh as ImagingStudy);
      const response = await endpoint.send('POST', 'ImagingStudy', json(body), { ...headers, 'if-none-exist': condition }, signal);
      if (response.status === 201) return;
      // 200: the condition matched a study created since our search (http.html#ccreate: the
      // server ignores the POST), so ours is not in it yet; 412: several match
      if (response.status === 200 || response.status === 412) continue;
      endpoint.checked(message.messageId, response, Date.now());
      continue;
    }
    // A server whose conditional create is not atomic may hold several (docs: what a server
    // needs): all are joined into the one with the smallest id, so that one misses nothing.
    const [survivor, ...duplicates] = [...stored].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) as [StoredStudy, ...StoredStudy[]];
    if (duplicates.length > 0 && attempt === 1) {
      endpoint.log.warn({ messageId: message.messageId, studies: stored.length }, `${endpoint.who} holds ${stored.length} ImagingStudy resources with one study identifier; merging into the first (its conditional create is not atomic, see docs/dicom-study-merge.md)`);
    }
    let merged: ImagingStudy = survivor;
    for (const other of duplicates) merged = mergeImagingStudy(merged, other);
    merged = mergeImagingStudy(merged, fresh as ImagingStudy);
    if (sameStudy(merged, survivor)) return;
    const versionId = survivor.meta?.versionId;
    if (versionId === undefined) {
      throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', `${endpoint.who} returns ImagingStudy without meta.versionId; merge: imagingstudy needs version-aware updates (If-Match, FHIR R4 http.html#concurrency)`);
    }
    const { meta: _stored, ...body } = merged;
    const response = await endpoint.send('PUT', `ImagingStudy/${encodeURIComponent(survivor.id)}`, json(body), { ...headers, 'if-match': `W/"${versionId}"` }, signal);
    if (response.status >= 200 && response.status < 300) return;
    // 412 (R4 http.html#concurrency) or 409 (HAPI's version conflict): another writer's
    // version came first; 404: it was deleted. Read again.
    if (response.status === 409 || response.status === 412 || response.status === 404) continue;
    endpoint.checked(message.messageId, response, Date.now());
  }
  throw new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${endpoint.who}: the ImagingStudy changed under ${MAX_ATTEMPTS} merges in a row (many objects of one study at once); retried later`);
}

type StoredStudy = ImagingStudy & { readonly id: string };

async function search(endpoint: HttpEndpoint, message: OutboundMessage, condition: string, signal: AbortSignal): Promise<StoredStudy[]> {
  const started = Date.now();
  const response = endpoint.checked(message.messageId, await endpoint.send('GET', `ImagingStudy?${condition}`, Buffer.alloc(0), { 'x-request-id': message.messageId }, signal), started);
  const found = parseJson(response.body);
  if (!isRecord(found) || found['resourceType'] !== 'Bundle') {
    throw new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${endpoint.who} answered the ImagingStudy search ${response.status} without a searchset Bundle`);
  }
  const entries = Array.isArray(found['entry']) ? (found['entry'] as unknown[]) : [];
  const studies: StoredStudy[] = [];
  for (const entry of entries) {
    const resource = isRecord(entry) ? entry['resource'] : undefined;
    // a searchset may carry an OperationOutcome (search.mode outcome) beside the matches
    if (isRecord(resource) && resource['resourceType'] === 'ImagingStudy' && typeof resource['id'] === 'string') studies.push(resource as unknown as StoredStudy);
  }
  if (typeof found['total'] === 'number' && found['total'] > studies.length) {
    throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', `${endpoint.who} holds ${found['total']} ImagingStudy resources with one study identifier, more than one search page`);
  }
  return studies;
}

/**
 * The other entries go first, in their own transaction, so that the ImagingStudy's references
 * to them (`urn:uuid:` of its Patient) are known ids before it is joined with the stored one.
 * An entry pointing at the ImagingStudy could not be written before it: refused.
 */
function refuseReferencesToStudies(studies: readonly BundleEntry[], others: readonly BundleEntry[]): void {
  const urls = studies.flatMap((entry) => (entry.fullUrl === undefined ? [] : [entry.fullUrl]));
  if (urls.length === 0) return;
  const text = JSON.stringify(others);
  const referenced = urls.find((url) => text.includes(JSON.stringify(url)));
  if (referenced !== undefined) {
    throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'under merge: imagingstudy no other entry may reference the ImagingStudy entry (it is written after them); reference it by identifier instead');
  }
}

/** entry fullUrl → `Type/id` from the transaction-response's `response.location`s */
function locationsOf(entries: readonly BundleEntry[], response: unknown): Map<string, string> {
  const locations = new Map<string, string>();
  const answered = isRecord(response) && Array.isArray(response['entry']) ? (response['entry'] as unknown[]) : [];
  entries.forEach((entry, index) => {
    const answer = answered[index];
    const location = isRecord(answer) && isRecord(answer['response']) ? answer['response']['location'] : undefined;
    if (entry.fullUrl === undefined || typeof location !== 'string') return;
    // `Patient/123/_history/2`, or an absolute URL (HAPI): the `Type/id` part
    const match = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(location);
    if (match?.[1] !== undefined) locations.set(entry.fullUrl, match[1]);
  });
  return locations;
}

/** a copy of `study` with every `reference` naming a written entry's fullUrl replaced by its `Type/id` */
function resolveReferences(study: ImagingStudy, locations: ReadonlyMap<string, string>): ImagingStudy {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = key === 'reference' && typeof inner === 'string' ? (locations.get(inner) ?? inner) : walk(inner);
    }
    return out;
  };
  return walk(study) as ImagingStudy;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** 0 to 5·2^n ms (at most 250), so that writers that met once do not meet again in step */
function pause(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.random() * Math.min(250, 5 * 2 ** attempt);
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(abortError('merge: imagingstudy'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError('merge: imagingstudy'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
