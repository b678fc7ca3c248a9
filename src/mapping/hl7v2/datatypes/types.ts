import type { Repetition, Segment } from '../../../hl7/index.js';

/**
 * The contract between the mapping compiler and the v2 → FHIR datatype conversions
 * (the v2-to-FHIR IG's datatype maps). A conversion reads one repetition of a field and
 * returns a FHIR datatype value (a plain JSON object or primitive), or undefined when the
 * repetition holds nothing the target can carry.
 */
export type Converter = (rep: Repetition, ctx: ConvertContext) => unknown;

/** A reference to a resource that a conversion added to the bundle (XCN → Practitioner). */
export interface EmittedReference {
  readonly reference: string;
  readonly display?: string;
}

/**
 * What a conversion may ask of the mapping runtime. One context per message; it is cheap
 * to create (the runtime reuses compiled tables).
 */
export interface ConvertContext {
  /**
   * Resolves an assigning authority (HD: namespace, universal id, universal id type) to an
   * identifier system URI: `urn:oid:…` for ISO OIDs, `urn:uuid:…` for UUIDs, the URI itself
   * for URI ids, else the mapping's `identifierSystems` table; undefined when unknown.
   */
  identifierSystem(namespace: string, universalId: string, universalIdType: string): string | undefined;
  /**
   * Adds a resource derived from a field (Practitioner from XCN, Organization from XON,
   * Location from PL) to the bundle, once per business key, and returns the reference to it.
   * `key` is the identifier used for the conditional request.
   */
  emit(resourceType: 'Practitioner' | 'Organization' | 'Location', key: { system?: string; value: string }, resource: Record<string, unknown>): EmittedReference;
  /** Records a non-fatal problem (unmapped code with `unmapped: warn`, unparsable date kept as text …). */
  warn(message: string): void;
  /** Timezone for DTM values that carry a time but no offset: an IANA zone ("Asia/Ho_Chi_Minh") or an offset ("+07:00"). FHIR requires an offset once hours are given; undefined = UTC. */
  readonly defaultTimezone: string | undefined;
  /** Optional: told that a time without offset was read as UTC because no zone is known (the runtime warns once per message). */
  assumedUtc?(): void;
  /**
   * Optional: the code system URI for a local coding system name found in CWE.3/6/12
   * (`L`, `99zzz`, or any name medibus does not know), e.g. from a mapping's own table.
   * When absent or undefined, codings get `urn:medibus:local:<name>` (see coding-systems.ts).
   */
  localCodeSystem?(name: string): string | undefined;
}

/**
 * The registry the compiler asks: "the target element is FHIR type T (and the author said
 * the source is v2 type V): how do I convert?" Returns undefined when no conversion exists,
 * which the compiler reports at the rule's file:line:column.
 */
export type ConverterLookup = (fhirType: string, v2Type?: string) => Converter | undefined;

/**
 * A value for a choice element such as `Observation.value[x]`: `type` is the FHIR type
 * name as it appears in the element name (`Quantity` → `valueQuantity`, `dateTime` →
 * `valueDateTime`); `value` is the JSON for that type.
 */
export interface ChoiceValue {
  readonly type: ChoiceType;
  readonly value: unknown;
}

/** The Observation.value[x] types (R4) a conversion may produce. */
export type ChoiceType = 'Quantity' | 'CodeableConcept' | 'string' | 'boolean' | 'integer' | 'Range' | 'Ratio' | 'SampledData' | 'time' | 'dateTime' | 'Period';

/**
 * A named conversion that reads several fields of one segment (`{ convert: obx-value }` in a
 * mapping). The runtime calls it with the segment in scope; `segment` says which segment it
 * expects (the compiler checks the rule sits where that segment is in scope), `result` what
 * it returns: a `ChoiceValue` for a `value[x]` element, a list of element values, or one
 * element value.
 */
export interface SegmentConversion {
  readonly name: string;
  readonly segment: string;
  readonly result: 'choice' | 'list' | 'element';
  /** FHIR element (or choice base) this conversion is meant for, for the compiler's checks and docs */
  readonly target: string;
  readonly description: string;
  readonly convert: (segment: Segment, ctx: ConvertContext) => unknown;
}
