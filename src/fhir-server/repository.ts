/**
 * medplum's MemoryRepository, with what a stand-in EMR needs and it lacks:
 *
 *  - an identifier index (identifier-index.ts), kept in step on every write, that answers
 *    `identifier=system|value` searches — the conditional update/create of every entry;
 *  - validation of every resource written (validate.ts), so an invalid one gets 400;
 *  - atomic transactions: MemoryRepository.withTransaction just runs the callback, so an entry
 *    failing halfway through a transaction left the earlier entries stored. Here writes are
 *    journaled and undone when the callback throws (FHIR R4 http.html#transaction: "either all
 *    the actions succeed … or the entire transaction fails");
 *  - one writer at a time: `exclusive` queues requests, so two interleaved conditional creates
 *    cannot both find nothing and both create (medplum's Postgres repository closes the same
 *    race with a serializable transaction; conditionalCreate asks withTransaction for it);
 *  - bounded history: MemoryRepository keeps every version forever, and medibus resends the
 *    same Patient with every message. `historyLimit` versions are kept per resource;
 *  - writes without MemoryRepository's three copies per resource (see write()).
 * MemoryRepository's reads, history, vread, patch and non-indexed searches are used as they are.
 */
import { randomUUID } from 'node:crypto';
import {
  badRequest,
  notFound,
  OperationOutcomeError,
  preconditionFailed,
  validateResource,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import { MemoryRepository, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { IdentifierIndex, indexedMatches, searchMatches } from './identifier-index.js';
import { internalsOf, mapOf, undo, type JournalEntry, type MemoryInternals } from './store-internals.js';
import { checkResource } from '../fhir/validate.js';
import { deepFreeze } from '../util/objects.js';

/** fast: validate.ts; medplum: @medplum/core validateResource (~15× slower); off: store anything */
export type ValidationMode = 'fast' | 'medplum' | 'off';

export interface RepositoryOptions {
  readonly validation?: ValidationMode;
  /** versions kept per resource, the current one included (default 10) */
  readonly historyLimit?: number;
}

/** The state of one exclusive section: one HTTP request, or one call made outside any. */
export interface WriteScope {
  /** set inside a transaction: every write records how to undo it */
  journal: JournalEntry[] | undefined;
  /** the caller validated the resources already (a transaction checks all entries first) */
  prevalidated: boolean;
  /**
   * the resources written belong to this section (parsed from its request body, or copied by
   * medplum's batch processing) and may be stored without a copy
   */
  owned: boolean;
}

export class MedibusRepository extends MemoryRepository {
  readonly identifiers = new IdentifierIndex();
  private readonly validation: ValidationMode;
  private readonly historyLimit: number;
  private readonly internals: MemoryInternals;
  private tail: Promise<unknown> = Promise.resolve();
  /** the section running now, if any */
  private section: WriteScope | undefined;

  constructor(options: RepositoryOptions = {}) {
    super();
    this.validation = options.validation ?? 'fast';
    this.historyLimit = Math.max(1, options.historyLimit ?? 10);
    this.internals = internalsOf(this);
  }

  /**
   * Runs `fn` once every earlier exclusive section has finished.
   *
   * A section never waits on I/O (everything it awaits is already settled), so no other
   * request starts while one runs: a call made while a section runs comes from inside it (a
   * conditional update in a transaction calls withTransaction) and joins it. That is what makes
   * the sections reentrant without AsyncLocalStorage, which in Node 20 turns on promise hooks
   * for the whole process and cost a fifth of the throughput (the engine's too, in dev mode).
   * Code using the repository directly must keep to the same rule: no I/O inside a section.
   */
  exclusive<T>(fn: (scope: WriteScope) => Promise<T>): Promise<T> {
    if (this.section !== undefined) return fn(this.section);
    const scope: WriteScope = { journal: undefined, prevalidated: false, owned: false };
    const run = this.tail.then(async () => {
      this.section = scope;
      try {
        return await fn(scope);
      } finally {
        this.section = undefined;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  override withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    return this.exclusive(async (scope) => {
      if (scope.journal !== undefined) return callback(undefined);
      const journal: JournalEntry[] = [];
      scope.journal = journal;
      try {
        return await callback(undefined);
      } catch (error) {
        undo(journal, this.internals, this.identifiers);
        throw error;
      } finally {
        scope.journal = undefined;
      }
    });
  }

  override generateId(): string {
    // medplum's generateId builds a v4 UUID from Math.random one hex digit at a time
    return randomUUID();
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    return this.write(resource);
  }

  /**
   * http.html#update. MemoryRepository's version cloned the resource, then createResource
   * serialised and parsed it and cloned the result again: three copies per entry, a fifth of
   * the time of a transaction. Here: one copy at most (see write).
   */
  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    if (resource.id === undefined) throw new OperationOutcomeError(badRequest('Missing id', `${resource.resourceType}.id`));
    if (options?.ifMatch !== undefined) {
      // http.html#concurrency: a version other than the current one is 412
      const current = this.internals.resources.get(resource.resourceType)?.get(resource.id);
      if (current === undefined) throw new OperationOutcomeError(notFound);
      if (current.meta?.versionId !== options.ifMatch) throw new OperationOutcomeError(preconditionFailed);
    }
    return this.write(resource);
  }

  /**
   * Stores a new version. The server assigns meta.versionId and meta.lastUpdated whatever the
   * client sent (resource.html#Meta: "changes when the resource is updated by the server").
   * The stored object is returned as is, without the copy MemoryRepository makes. Within an
   * HTTP request (scope `owned`) it is the request's own object, read after this only by the
   * answer. Otherwise it is a copy of the caller's, deep-frozen: a caller that changed what it
   * got back would throw instead of changing the store. Reads still return copies.
   */
  private write<T extends Resource>(resource: T): WithId<T> {
    const scope = this.section;
    if (scope?.prevalidated !== true) this.check(resource);
    const { resourceType } = resource;
    const id = resource.id ?? this.generateId();
    const meta = { ...resource.meta, versionId: this.generateId(), lastUpdated: new Date().toISOString() };
    const version = { ...resource, id, meta } as WithId<T>;
    const stored = scope?.owned === true ? version : deepFreeze(JSON.parse(JSON.stringify(version)) as WithId<T>);
    const resources = mapOf(this.internals.resources, resourceType);
    const prior = resources.get(id);
    resources.set(id, stored);
    const versions = mapOf(this.internals.history, resourceType);
    const history = versions.get(id) ?? [];
    versions.set(id, history);
    history.push(stored);
    if (history.length > this.historyLimit) history.splice(0, history.length - this.historyLimit);
    scope?.journal?.push({ resourceType, id, prior, addedVersion: true });
    this.identifiers.replace(resourceType, id, prior, stored);
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const prior = this.internals.resources.get(resourceType)?.get(id);
    await super.deleteResource(resourceType, id);
    this.section?.journal?.push({ resourceType, id, prior, addedVersion: false });
    if (prior !== undefined) this.identifiers.remove(resourceType, id, prior);
  }

  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const matches = indexedMatches(request, this.identifiers, this.internals.resources.get(request.resourceType));
    return matches === undefined ? super.search(request) : searchMatches<T>(matches, request);
  }

  /**
   * The ids of the resources `request` selects, at most `limit`, without copying them (a
   * transaction resolving its conditional entries needs nothing else).
   */
  async matchIds(request: SearchRequest, limit: number): Promise<string[]> {
    const matches = indexedMatches(request, this.identifiers, this.internals.resources.get(request.resourceType));
    if (matches !== undefined) return matches.slice(0, limit).map((resource) => resource.id);
    const found = await super.search({ ...request, count: limit, offset: 0, sortRules: undefined });
    return (found.entry ?? []).flatMap((entry) => (entry.resource === undefined ? [] : [entry.resource.id]));
  }

  override clear(): void {
    super.clear();
    this.identifiers.clear();
  }

  /** whether a resource is stored under this id (not deleted), without reading a copy */
  async exists(resourceType: string, id: string): Promise<boolean> {
    return this.internals.resources.get(resourceType)?.has(id) === true;
  }

  /** number of stored (not deleted) resources by type, for `GET /fhir/_medibus/stats` */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [type, resources] of this.internals.resources) if (resources.size > 0) counts[type] = resources.size;
    return counts;
  }

  /** Throws the 400 OperationOutcome of an invalid resource, per the validation mode. */
  check(resource: unknown, path?: string): void {
    switch (this.validation) {
      case 'fast': {
        const issues = checkResource(resource, path);
        if (issues.length > 0) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
        return;
      }
      case 'medplum':
        // throws an OperationOutcomeError itself; its paths start at the resource type
        validateResource(resource as Resource);
        return;
      case 'off':
        return;
      default:
        this.validation satisfies never;
    }
  }
}
