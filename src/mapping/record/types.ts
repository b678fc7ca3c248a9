/**
 * The seam between the mapping language and an input dialect other than HL7 v2
 * (docs/mapping-language.md, "Input dialects"). A dialect says how a path is written and read
 * (DICOM keywords and tags, CSV column names), what a `forEach:` iterates over (sequence items,
 * rows), how a value it reads becomes a FHIR type, and what identifies the payload. The rest —
 * resources, keys, `set:`, `first:`, `join:`, `map:`, `ref:`, conditions, the Bundle — is the
 * record engine's (src/mapping/record/), the same for every dialect: a new kind is a new folder
 * beside src/mapping/dicom/ and src/mapping/csv/, and one line in src/mapping/dialects.ts.
 */
import type { Identifier } from '@medplum/fhirtypes';
import type { ErrorCode, MedibusError } from '../../errors.js';
import type { Payload, PayloadKind } from '../../kinds/types.js';

/** One value a path read: a DICOM value with its VR (a PN object, a number, a UID …), or a CSV cell (`vr: 'text'`). */
export interface Leaf {
  readonly vr: string;
  readonly value: unknown;
}

/** Where a path is read: the payload's root (a data set, a row) or an item a `forEach:` is on. */
export interface RecordScope {
  readonly parent: RecordScope | undefined;
  /** what the dialect reads from (a DICOM JSON data set, a CSV row) */
  readonly node: unknown;
  /** for messages: `ReferencedSeriesSequence[2]`, `line 14` */
  readonly label: string;
  /** distinguishes scopes of one payload (JSONata results would be cached on it) */
  readonly key: string;
}

/** What a conversion may ask of the run: warnings, errors located at what is being read, the time zone. */
export interface LeafContext {
  warn(message: string): void;
  error(code: ErrorCode, message: string, cause?: unknown): MedibusError;
  /** `+07:00`-style offset for a wall-clock time, or undefined (then UTC is assumed, with a warning) */
  offsetFor(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined;
  /** identifier system for an authority name (`identifierSystems:`, an OID, a URI, else urn:medibus:authority:…) */
  authority(name: string): string | undefined;
}

/** Converts one leaf to a FHIR value; undefined when it yields nothing. */
export type LeafConverter = (leaf: Leaf, cx: LeafContext) => unknown;

export interface CompiledPath {
  readonly text: string;
  /** every value at the path in scope (nearest enclosing scope that has the first step) */
  read(scope: RecordScope, out: Leaf[]): void;
}

export interface PayloadRoot {
  readonly scope: RecordScope;
  /** whose numbering a key without system is: the institution, the mapping … */
  readonly facility: string;
  /** Bundle.identifier: the object or row the bundle was made from */
  readonly identifier: Identifier | undefined;
  /** the sender's offset, when the payload says it (DICOM TimezoneOffsetFromUTC) */
  readonly offset: string | undefined;
}

export interface Dialect {
  readonly kind: Exclude<PayloadKind, 'hl7v2'>;
  /** for messages: `a DICOM keyword or tag like StudyInstanceUID or (0020,000D)` */
  readonly describe: string;
  /** throws MedibusError (MEDIBUS_ERR_KIND_PATH) with location.column (1-based) where the path goes wrong */
  compilePath(text: string): CompiledPath;
  /** `forEach:` — the scopes to evaluate in; throws like compilePath */
  compileForEach(text: string): (scope: RecordScope) => readonly RecordScope[];
  /** the conversion to a FHIR type; `as` is the rule's `type:` (e.g. `authority`), when given */
  converter(fhirType: string, as: string | undefined): LeafConverter | undefined;
  /** the `type:` values the dialect understands */
  readonly asTypes: readonly string[];
  /** `columns:` — the dialect whose paths must name one of these (csv); undefined: the dialect has no such list */
  readonly withColumns?: (columns: readonly string[]) => Dialect;
  /** the payload's root scope; throws MedibusError for a payload of another kind */
  root(payload: Payload, mappingId: string): PayloadRoot;
}
