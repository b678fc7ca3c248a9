/**
 * Shapes of a mapping file as written (after JSON Schema validation) and of the public API.
 * The JSON Schema (schema.ts) is the source of truth for the YAML shapes; the compiler
 * (compile-*.ts) gives them meaning. docs/mapping-language.md is the user's reference.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { MedibusError } from '../../errors.js';
import type { Hl7Message } from '../../hl7/index.js';
import type { Payload, PayloadKind } from '../../kinds/types.js';

export const UNMAPPED_POLICIES = ['keep', 'warn', 'reject', 'drop'] as const;
/**
 * What happens to a code a table does not hold: kept as sent (keep), kept with a warning
 * (warn), the message refused (reject), or left out with a warning (drop: for an element whose
 * binding the sent code cannot satisfy, so that `first:` can try the next rule).
 */
export type UnmappedPolicy = (typeof UNMAPPED_POLICIES)[number];

export const RESOURCE_MODES = ['upsert', 'create'] as const;
/** upsert: `PUT Type?identifier=…`; create: `POST Type` with `ifNoneExist` (an existing resource is kept as is). */
export type ResourceMode = (typeof RESOURCE_MODES)[number];

/** A value rule as written: a path string, a rule object, or (element level only) a list of rules. */
export type RuleDoc = string | RuleObjectDoc | readonly RuleDoc[] | number | boolean | null;

export interface RuleObjectDoc {
  readonly from?: string;
  readonly value?: unknown;
  readonly ref?: string;
  readonly first?: readonly RuleDoc[];
  readonly join?: readonly RuleDoc[];
  readonly with?: string;
  readonly set?: Readonly<Record<string, RuleDoc>>;
  readonly convert?: string;
  readonly expr?: string;
  readonly type?: string;
  readonly map?: string;
  readonly unmapped?: UnmappedPolicy;
  readonly when?: ConditionDoc;
  readonly default?: Readonly<Record<string, unknown>>;
  readonly all?: boolean;
  readonly forEach?: string;
}

export interface ConditionDoc {
  readonly exists?: string;
  readonly path?: string;
  readonly in?: readonly (string | number)[];
  readonly equals?: string | number | boolean;
  readonly not?: ConditionDoc;
  readonly all?: readonly ConditionDoc[];
  readonly any?: readonly ConditionDoc[];
  readonly expr?: string;
}

/** `key: { system, value }`: several parts joined with `-`. */
export interface CompositeKeyDoc {
  readonly system?: string | RuleObjectDoc;
  readonly value: RuleDoc;
}

export type KeyDoc = string | CompositeKeyDoc | RuleObjectDoc;

export interface ResourceDoc {
  readonly name: string;
  readonly type: string;
  readonly forEach?: string;
  readonly when?: ConditionDoc;
  readonly key: KeyDoc;
  readonly mode?: ResourceMode;
  readonly set?: Readonly<Record<string, RuleDoc>>;
  readonly resources?: readonly ResourceDoc[];
}

export interface GroupDoc {
  readonly start: readonly string[];
  readonly contains?: readonly string[];
}

/** An inline code table, or `file:` naming a table file relative to the mapping. */
export interface TableDoc {
  readonly file?: string;
  readonly description?: string;
  readonly source?: string;
  readonly target?: string;
  readonly unmapped?: UnmappedPolicy;
  readonly codes?: Readonly<Record<string, string | { readonly code: string; readonly display?: string; readonly system?: string }>>;
}

export interface MappingDoc {
  readonly id: string;
  readonly description?: string;
  /** the payload kind the mapping reads; hl7v2 when the file does not say */
  readonly input?: PayloadKind;
  readonly messageTypes?: readonly string[];
  /** segments the message must carry: for every type, or by message type (`ADT^A40`, `ADT^*`) */
  readonly requires?: readonly string[] | Readonly<Record<string, readonly string[]>>;
  readonly structure?: Readonly<Record<string, GroupDoc>>;
  readonly identifierSystems?: Readonly<Record<string, string>>;
  /** input: csv — the header row the export has; every column a path names is checked against it at load */
  readonly columns?: readonly string[];
  readonly codeSystems?: Readonly<Record<string, string>>;
  readonly tables?: Readonly<Record<string, TableDoc>>;
  readonly unmapped?: UnmappedPolicy;
  readonly derivedMode?: ResourceMode;
  readonly resources: readonly ResourceDoc[];
}

export interface ConvertOptions {
  /** check every resource with @medplum/core's validateResource (default true) */
  readonly validate?: boolean;
  /** for DTM values with a time but no offset: IANA zone or `+07:00`; UTC when absent */
  readonly timezone?: string;
}

export interface ConvertResult {
  readonly bundle: Bundle;
  /** non-fatal problems: unmapped codes under `unmapped: warn`, values a conversion could not read … */
  readonly warnings: string[];
}

/** A mapping compiled once at load: convert() does no parsing or schema lookups. */
export interface CompiledMapping {
  readonly id: string;
  readonly description: string | undefined;
  /** absolute path of the mapping file */
  readonly file: string;
  /** the payload kind it reads: a channel whose source hands on another kind is a validate error */
  readonly input: PayloadKind;
  readonly messageTypes: readonly string[];
  /** input: csv — the header row it was written for (`columns:`), when it says; `medibus convert` picks by it */
  readonly columns?: readonly string[];
  /** true when some rule is a JSONata `expr` (then only the async convert() can run it) */
  readonly usesExpressions: boolean;
  /** `ADT^A01` (or `ADT^A01^ADT_A01`): whether messageTypes lists it, `ADT^*` matching any ADT event */
  accepts(messageType: string): boolean;
  /**
   * The segments `requires:` names for this message that it lacks, as the error that refuses it
   * (MEDIBUS_ERR_MAPPING_SEGMENT_MISSING, located at the first one), or undefined. Intake asks
   * it before the ACK; convert() throws it.
   */
  missingSegments(msg: Hl7Message): MedibusError | undefined;
  /**
   * The message as a FHIR R4 transaction Bundle. Throws (rejects) MedibusError:
   * MEDIBUS_ERR_MAPPING_RUNTIME (message type not accepted, empty key …, with segment and field),
   * MEDIBUS_ERR_MAPPING_UNMAPPED_CODE, MEDIBUS_ERR_MAPPING_INVALID_FHIR.
   */
  convert(input: Hl7Message | Payload, options?: ConvertOptions): Promise<ConvertResult>;
  /** The same without a Promise, for mappings without `expr` rules (throws MEDIBUS_ERR_MAPPING_RUNTIME otherwise). */
  convertSync(input: Hl7Message | Payload, options?: ConvertOptions): ConvertResult;
}
