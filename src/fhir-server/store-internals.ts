/**
 * MemoryRepository's private maps, and what repository.ts does with them that the public API
 * cannot: undo the writes of a failed transaction, write without MemoryRepository's copies,
 * bound the history.
 *
 * @medplum/fhir-router 4.5.2 keeps `resources` (type → id → current version) and `history`
 * (type → id → versions, oldest first) as TypeScript-private fields. Restoring a replaced
 * version through `createResource` would add it to the history a second time, and deleting a
 * created one would leave it in the history, so an undo has to reach the maps. They are read
 * once, checked, and used only here and in repository.ts; the version of medplum is pinned.
 */
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import type { IdentifierIndex } from './identifier-index.js';

export interface MemoryInternals {
  readonly resources: Map<string, Map<string, Resource>>;
  readonly history: Map<string, Map<string, Resource[]>>;
}

/** One write of a transaction, with what it replaced. */
export interface JournalEntry {
  readonly resourceType: string;
  readonly id: string;
  /** the stored object before the write; stored objects are never changed in place */
  readonly prior: Resource | undefined;
  /** false for a delete, which leaves the history alone */
  readonly addedVersion: boolean;
}

export function internalsOf(repository: MemoryRepository): MemoryInternals {
  const internals = repository as unknown as Partial<MemoryInternals>;
  if (!(internals.resources instanceof Map) || !(internals.history instanceof Map)) {
    throw new Error('@medplum/fhir-router MemoryRepository changed its internals; src/fhir-server/store-internals.ts needs updating');
  }
  return internals as MemoryInternals;
}

/** Puts back what the journaled writes replaced, newest first: stores, history and index. */
export function undo(journal: readonly JournalEntry[], internals: MemoryInternals, identifiers: IdentifierIndex): void {
  for (let i = journal.length - 1; i >= 0; i--) {
    const { resourceType, id, prior, addedVersion } = journal[i]!;
    const resources = internals.resources.get(resourceType);
    identifiers.replace(resourceType, id, resources?.get(id), prior);
    if (prior === undefined) resources?.delete(id);
    else resources?.set(id, prior);
    if (!addedVersion) continue;
    // each write appended exactly one version; trimming only ever removes the oldest
    const versions = internals.history.get(resourceType)?.get(id);
    versions?.pop();
    if (versions?.length === 0) internals.history.get(resourceType)?.delete(id);
  }
}

/** the inner map of `maps` for `key`, created when missing */
export function mapOf<V>(maps: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = maps.get(key);
  if (map === undefined) {
    map = new Map();
    maps.set(key, map);
  }
  return map;
}
