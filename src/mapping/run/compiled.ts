/**
 * The closures a mapping compiles to. Each is built once at load, with everything it needs
 * (compiled paths, the chosen conversion, the table) captured, and called per message.
 */
import type { Segment } from '../../hl7/index.js';
import type { Run } from './context.js';
import type { Scope } from '../hl7v2/scope.js';

/**
 * A key as read. `composed`: the value was put together from parts (a composite key, or a
 * `set: { value: … }` alternative of `first:`), not read from one identifier field: two
 * segments may then yield the same value without being the same thing (NK1 with a repeated set
 * ID, two DG1 with one code), and the runtime tells them apart by position (run/convert.ts).
 */
export interface ReadKey {
  readonly system: string | undefined;
  readonly value: string;
  readonly composed: boolean;
}

/** A resource's business key, compiled from `key:` (compile/key.ts). */
export interface CompiledKey {
  readonly read: (scope: Scope, run: Run) => ReadKey | undefined;
  /** as written, for messages: `PID-3[1]`, `OBR-3.1 + OBX-1 + OBX-3.1` */
  readonly text: string;
  /** the segment and field an empty key is reported at */
  /** where the key is read: the segment (when the message has it), else `name`, the segment the key names */
  readonly where: (scope: Scope) => { segment: Segment | undefined; field: number | undefined; name?: string | undefined };
}

/** A value rule: pushes the values it yields in `scope` onto `out` (nothing when empty). */
export type ValueFn = (scope: Scope, run: Run, out: unknown[]) => void;

/** A `when:` condition. */
export type ConditionFn = (scope: Scope, run: Run) => boolean;

/**
 * A `set:` block: the object it builds, or undefined when every element came out empty.
 * `seed` is filled instead of a new object (a resource starts as { resourceType }).
 */
export type ObjectFn = (scope: Scope, run: Run, seed?: Record<string, unknown>) => Record<string, unknown> | undefined;

/** A `forEach:`: the scopes to evaluate in. */
export type IterateFn = (scope: Scope, run: Run) => readonly Scope[];

/** What a value rule is compiled for: the FHIR element it fills. */
export interface ElementTarget {
  /** for messages: `Patient.gender`, `Encounter.participant.individual` */
  readonly fhirPath: string;
  /** the FHIR type(s): one, except for an open choice (`value[x]`) */
  readonly types: readonly string[];
  /** whether every value is wanted (list element) or only the first */
  readonly many: boolean;
  /** `value[x]` written as such: values come as { type, value } */
  readonly openChoice: boolean;
  /** `value` for valueQuantity (and value[x]): the element is one type of a choice */
  readonly choiceBase?: string;
  /** Reference targets (empty: any resource) */
  readonly targets: readonly string[];
  /** a part of join: (one value unless the rule says all: true) */
  readonly joinPart?: boolean;
  /** a code element's required value set (FHIR binding strength required) */
  readonly binding?: string;
}

/** One resource rule, compiled. */
export interface ResourcePlan {
  readonly name: string;
  readonly type: string;
  readonly mode: 'upsert' | 'create';
  readonly iterate: IterateFn | undefined;
  readonly when: ConditionFn | undefined;
  readonly key: CompiledKey;
  readonly build: ObjectFn;
  /** whether the type's `identifier` is a list (the key is added to it) */
  readonly identifierIsList: boolean;
  readonly children: readonly ResourcePlan[];
}

/** The stand-in for a rule that failed to compile (the error is already reported). */
export const NOTHING: ValueFn = () => {};

/** `a CodeableConcept`, `a Reference(Patient|Group)`, `a choice of Quantity, string …` */
export function describeTypes(target: ElementTarget): string {
  if (target.openChoice) return `a choice of ${target.types.join(', ')}`;
  const type = target.types[0];
  if (type === 'Reference' && target.targets.length > 0) return `a Reference(${target.targets.join('|')})`;
  return `${/^[AEIOUaeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** `Patient`, or `HumanName (Patient.name)` for an element inside a resource. */
export function describeOwner(type: string, fhirPath: string): string {
  return type === fhirPath ? type : `${type} (${fhirPath})`;
}
