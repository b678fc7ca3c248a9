/**
 * An index of resources by `Identifier.system` + `Identifier.value`, so that the searches
 * behind conditional update and create (`PUT Patient?identifier=sys|val`, `ifNoneExist`) cost
 * a Map lookup instead of medplum MemoryRepository's scan. The scan evaluates the search
 * parameter's FHIRPath on every stored resource of the type, and R4's `identifier` of
 * Observation (and 31 other types) is one union over all of them, parsed again on each call:
 * ~0.6 ms per stored resource, 0.4 s per search at 1,000 stored, 33 s at 100,000; the index
 * answers in 8–15 µs (bench/fhir-server.ts).
 *
 * Matching follows FHIR R4 search.html#token: `[system]|[code]` matches an Identifier with
 * exactly that system and value. The comparison is case-sensitive, as the spec asks for
 * identifiers ("unless the underlying semantics … indicate … case-insensitively"); medplum's
 * scan lower-cases both sides, so `MRN1` and `mrn1` are one patient there and two here.
 * Escapes (search.html#escaping: `\|`, `\,`, `\$`, `\\`) are honoured; medplum's scan splits
 * `a\|b` at the escaped bar. Other forms (`identifier=value`, `identifier=|value`,
 * `identifier=system|`, modifiers) are not indexed and fall back to the scan.
 *
 * The searches it answers get their searchset Bundle here, with `_sort`, `_offset`, `_count`
 * and `total` applied as MemoryRepository.search applies them to what it scanned, so a client
 * cannot tell which of the two answered.
 */
import {
  deepClone,
  evalFhirPath,
  getSearchParameter,
  matchesSearchRequest,
  Operator,
  type Filter,
  type SearchRequest,
  type SortRule,
  type WithId,
} from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { identifierElements } from './definitions.js';
import { mapOf } from './store-internals.js';

export interface IdentifierToken {
  readonly system: string;
  readonly value: string;
}

/** Where an indexed search gets its candidates, and the filters left to check on them. */
export interface IndexPlan {
  readonly tokens: readonly IdentifierToken[];
  readonly rest: readonly Filter[];
}

/** NUL cannot occur in a FHIR string (datatypes.html#string), so `system NUL value` is unambiguous */
const SEPARATOR = '\u0000';

export class IdentifierIndex {
  /** resourceType → `system NUL value` → the id, or the ids when several resources share it */
  private readonly types = new Map<string, Map<string, string | string[]>>();

  remove(resourceType: string, id: string, resource: Resource): void {
    this.replace(resourceType, id, resource, undefined);
  }

  /** Moves `id` from the identifiers of `before` to those of `after`; nothing to do when they are the same. */
  replace(resourceType: string, id: string, before: Resource | undefined, after: Resource | undefined): void {
    const removed = before === undefined ? [] : keysOf(resourceType, before);
    const added = after === undefined ? [] : keysOf(resourceType, after);
    if (removed.length === added.length && removed.every((key, i) => key === added[i])) return;
    const keys = mapOf(this.types, resourceType);
    for (const key of removed) {
      const ids = keys.get(key);
      if (ids === id) keys.delete(key);
      else if (Array.isArray(ids)) {
        const rest = ids.filter((other) => other !== id);
        keys.set(key, rest.length === 1 ? rest[0]! : rest);
      }
    }
    for (const key of added) {
      const ids = keys.get(key);
      if (ids === undefined) keys.set(key, id);
      else if (typeof ids === 'string') {
        if (ids !== id) keys.set(key, [ids, id]);
      } else if (!ids.includes(id)) ids.push(id);
    }
  }

  /** ids of the resources of the type that carry any of the identifiers, in a stable order */
  lookup(resourceType: string, tokens: readonly IdentifierToken[]): string[] {
    const keys = this.types.get(resourceType);
    if (keys === undefined) return [];
    const found = new Set<string>();
    for (const { system, value } of tokens) {
      const ids = keys.get(system + SEPARATOR + value);
      if (typeof ids === 'string') found.add(ids);
      else if (ids !== undefined) for (const id of ids) found.add(id);
    }
    return [...found];
  }

  clear(): void {
    this.types.clear();
  }
}

/**
 * The index can answer `search` when it has exactly one `identifier` filter, without modifier,
 * whose every alternative (comma-separated: OR, R4 search.html "Combining") is `system|value`.
 * Other filters are checked on the candidates. `_include`/`_revinclude` (which medplum's
 * MemoryRepository ignores anyway) and multi-type searches are left to the scan.
 */
export function planIndexedSearch(request: SearchRequest): IndexPlan | undefined {
  if (identifierElements(request.resourceType) === undefined) return undefined;
  if (request.include !== undefined || request.revInclude !== undefined || request.types !== undefined) return undefined;
  const filters = request.filters ?? [];
  const identifier = filters.filter((filter) => filter.code === 'identifier');
  if (identifier.length !== 1 || identifier[0]!.operator !== Operator.EQUALS) return undefined;
  const tokens = parseIdentifierTokens(identifier[0]!.value);
  if (tokens === undefined) return undefined;
  return { tokens, rest: filters.filter((filter) => filter.code !== 'identifier') };
}

/** `sys|val` or `sys|val,sys2|val2`, unescaped; undefined for any other token form */
export function parseIdentifierTokens(text: string): IdentifierToken[] | undefined {
  const tokens: IdentifierToken[] = [];
  for (const alternative of splitUnescaped(text, ',')) {
    const parts = splitUnescaped(alternative, '|');
    if (parts.length !== 2) return undefined;
    const system = unescape(parts[0]!);
    const value = unescape(parts[1]!);
    if (system === '' || value === '') return undefined;
    tokens.push({ system, value });
  }
  return tokens;
}

/** the canonical form of a token search, for telling two conditions on the same identifier apart */
export function tokenKey(resourceType: string, tokens: readonly IdentifierToken[]): string {
  return [resourceType, ...tokens.map(({ system, value }) => system + SEPARATOR + value).sort()].join(SEPARATOR + SEPARATOR);
}

export type Stored = WithId<Resource>;

/**
 * The stored resources (of the request's type: `stored`) an identifier search selects,
 * unsorted; undefined when the index cannot answer it and the scan must.
 */
export function indexedMatches(request: SearchRequest, identifiers: IdentifierIndex, stored: ReadonlyMap<string, Resource> | undefined): Stored[] | undefined {
  const plan = planIndexedSearch(request);
  if (plan === undefined) return undefined;
  const rest: SearchRequest = { resourceType: request.resourceType, filters: [...plan.rest] };
  const matches: Stored[] = [];
  for (const id of identifiers.lookup(request.resourceType, plan.tokens)) {
    const resource = stored?.get(id);
    if (resource !== undefined && (plan.rest.length === 0 || matchesSearchRequest(resource, rest))) matches.push(resource as Stored);
  }
  return matches;
}

export function searchMatches<T extends Resource>(matches: readonly Stored[], request: SearchRequest<T>): Bundle<WithId<T>> {
  const rules = request.sortRules ?? [];
  const sorted = rules.length > 0 && matches.length > 1 ? [...matches].sort(comparator(request.resourceType, rules)) : matches;
  const offset = request.offset ?? 0;
  const page = request.count === undefined ? sorted.slice(offset) : sorted.slice(offset, offset + request.count);
  const entry = page.map((resource) => ({ resource: deepClone(resource) as WithId<T> }) satisfies BundleEntry<WithId<T>>);
  return { resourceType: 'Bundle', type: 'searchset', entry: entry.length > 0 ? entry : undefined, total: matches.length };
}

/**
 * Orders by the search parameters named in `_sort` (R4 search.html "Sorting (_sort)"), the first rule
 * first; `-code` descends. A parameter's sort key is the JSON of its values, compared as
 * strings, which orders dates, codes and strings as medplum's MemoryRepository does.
 */
function comparator(resourceType: string, rules: readonly SortRule[]): (a: Stored, b: Stored) => number {
  const keys = rules.map(({ code, descending }) => ({ read: sortKey(resourceType, code), sign: descending === true ? -1 : 1 }));
  return (a, b) => {
    for (const { read, sign } of keys) {
      const order = read(a).localeCompare(read(b));
      if (order !== 0) return order * sign;
    }
    return 0;
  };
}

function sortKey(resourceType: string, code: string): (resource: Stored) => string {
  switch (code) {
    case '_id':
      return (resource) => resource.id;
    case '_lastUpdated':
      return (resource) => resource.meta?.lastUpdated ?? '';
    default: {
      const expression = getSearchParameter(resourceType, code)?.expression;
      if (expression === undefined) return () => '';
      return (resource) => JSON.stringify(evalFhirPath(expression, resource));
    }
  }
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\([\\|,$])/g, '$1');
}

function keysOf(resourceType: string, resource: Resource): string[] {
  const elements = identifierElements(resourceType);
  if (elements === undefined) return [];
  const keys: string[] = [];
  const record = resource as unknown as Record<string, unknown>;
  for (const element of elements) {
    const value = record[element];
    for (const identifier of Array.isArray(value) ? value : [value]) {
      if (typeof identifier !== 'object' || identifier === null) continue;
      const { system, value: code } = identifier as { system?: unknown; value?: unknown };
      if (typeof system === 'string' && typeof code === 'string') keys.push(system + SEPARATOR + code);
    }
  }
  return keys;
}
