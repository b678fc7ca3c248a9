/**
 * Validation of incoming FHIR R4 resources, fast enough to run on every entry of every bundle.
 *
 * @medplum/core's `validateResource` is correct but walks every element the *schema*
 * declares (about 50 for an Observation, present or not) and costs ~90 µs per resource:
 * 35-entry bundles would cap the server near 300 transactions/s. This validator walks the
 * *object* instead (cost follows what was sent: ~7 µs for an Observation) against the same
 * type schemas (`getDataType`), and applies the same rules (R4 json.html, datatypes.html):
 *  - every property is an element of the type (`valueQuantity` resolves `value[x]`,
 *    `_birthDate` carries the extensions of a primitive); unknown properties are errors;
 *  - arrays where the element repeats, single values where it does not, cardinality,
 *    required elements, no `null` (except the placeholders of json.html "primitive elements"), no empties;
 *  - primitives: JSON type, the regexes of datatypes.html (medplum's `validationRegexes`),
 *    integers, positive/unsigned, non-blank strings of at most 1 MiB;
 *  - the invariants (constraints with severity error) of the resource and of its elements,
 *    evaluated with medplum's FHIRPath engine; medplum skips the same few (ele-1, dom-3,
 *    org-1, sdf-19) that cannot be evaluated on plain JSON or are known to be wrong.
 * Not checked, as in medplum: terminology bindings, reference targets (warnings there).
 * Added: a resource `id` must match the R4 `id` datatype (datatypes.html#id), since medplum
 * types `Resource.id` as a plain string. test/fhir-server/validate.test.ts compares the two
 * validators on valid and broken resources.
 */
import {
  createStructureIssue,
  fhirTypeToJsType,
  getDataType,
  isResourceType,
  toTypedValue,
  validationRegexes,
  type Constraint,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { activeInvariants, checkInvariants, type InvariantContext } from './invariants.js';
import { isRecord } from '../util/objects.js';

/** the JSON key of an element, resolved: `valueQuantity` → `value[x]` of type Quantity */
interface Slot {
  /** the element's name without `[x]`, as invariants name it (`value`) */
  readonly base: string;
  readonly element: InternalSchemaElement;
  readonly type: string;
  readonly primitive: boolean;
  /** the element's invariants that are evaluated (invariants.ts) */
  readonly invariants: readonly Constraint[];
}

/** what the walk needs of a type, computed once per type */
interface Shape {
  readonly slots: ReadonlyMap<string, Slot>;
  readonly required: readonly Slot[];
  readonly invariants: readonly Constraint[];
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_STRING = 1024 * 1024;
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const shapes = new WeakMap<InternalTypeSchema, Shape>();

/**
 * The errors of `value` as a FHIR resource; empty when it is valid. `path` prefixes the issue
 * expressions (default: the resource type, as in `Patient.birthDate`; a transaction passes
 * `Bundle.entry[3].resource`).
 */
export function checkResource(value: unknown, path?: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  if (!isRecord(value)) {
    issues.push(createStructureIssue(path ?? 'Resource', 'Expected a FHIR resource (a JSON object)'));
    return issues;
  }
  new Walker(value, issues).resource(value, path);
  return issues;
}

class Walker {
  private rootValue: TypedValue | undefined;
  private readonly resources: TypedValue[] = [];

  constructor(
    private readonly root: Record<string, unknown>,
    private readonly issues: OperationOutcomeIssue[],
  ) {}

  resource(value: Record<string, unknown>, at: string | undefined): void {
    const type = value.resourceType;
    if (typeof type !== 'string' || !isResourceType(type)) {
      const shown = typeof type === 'string' ? `"${type}"` : 'missing';
      this.issues.push(createStructureIssue(`${at ?? 'Resource'}.resourceType`, `Unknown resource type: ${shown}`));
      return;
    }
    const path = at ?? type;
    if (value.id !== undefined && (typeof value.id !== 'string' || !ID.test(value.id))) {
      this.issues.push(createStructureIssue(`${path}.id`, 'Invalid id: 1–64 of A–Z a–z 0–9 - . (R4 datatypes.html#id)'));
    }
    const shape = shapeOf(getDataType(type));
    const typed: TypedValue = { type, value };
    this.resources.push(typed);
    const present = this.object(value, shape, path, true);
    this.invariants(shape.invariants, typed, path, present);
    this.resources.pop();
  }

  /**
   * Checks each property and the required ones; returns the names of the elements present (an
   * array, not a Set: an element has a handful of properties, and a Set per object cost more
   * than searching them).
   */
  private object(value: Record<string, unknown>, shape: Shape, path: string, isResource = false): string[] {
    const present: string[] = [];
    for (const key of Object.keys(value)) {
      if (isResource && key === 'resourceType') continue;
      const extension = key.charCodeAt(0) === 95; // '_'
      const slot = shape.slots.get(extension ? key.slice(1) : key);
      const item = value[key];
      if (slot === undefined || (extension && !slot.primitive)) {
        this.issues.push(createStructureIssue(`${path}.${key}`, `Invalid additional property "${key}"`));
        continue;
      }
      if (item !== null) present.push(slot.base);
      if (extension) this.primitiveExtensions(item, `${path}.${key}`);
      else this.property(value, key, slot, `${path}.${key}`);
    }
    for (const slot of shape.required) {
      if (!present.includes(slot.base)) this.issues.push(createStructureIssue(`${path}.${slot.element.path.split('.').pop() ?? slot.base}`, 'Missing required property'));
    }
    return present;
  }

  private property(parent: Record<string, unknown>, key: string, slot: Slot, path: string): void {
    const value = parent[key];
    if (value === null) {
      this.issues.push(createStructureIssue(path, 'Invalid null value'));
      return;
    }
    const { element } = slot;
    if (!element.isArray) {
      if (Array.isArray(value)) this.issues.push(createStructureIssue(path, 'Expected single value for property'));
      else this.item(value, slot, path);
      return;
    }
    if (!Array.isArray(value)) {
      this.issues.push(createStructureIssue(path, 'Expected array of values for property'));
      return;
    }
    if (value.length === 0) {
      this.issues.push(createStructureIssue(path, 'Invalid empty value'));
      return;
    }
    if (value.length < element.min || value.length > element.max) {
      const max = Number.isFinite(element.max) ? String(element.max) : '*';
      this.issues.push(createStructureIssue(path, `Invalid number of values: expected ${element.min}..${max}, but found ${value.length}`));
    }
    // a null in a primitive array is a placeholder when `_name` has extensions at its index (json.html, primitive elements)
    const partner = slot.primitive ? parent[`_${key}`] : undefined;
    for (let i = 0; i < value.length; i++) {
      const entry: unknown = value[i];
      if (entry !== null) this.item(entry, slot, `${path}[${i}]`);
      else if (!Array.isArray(partner) || partner[i] == null) this.issues.push(createStructureIssue(`${path}[${i}]`, 'Invalid null value'));
    }
  }

  private item(value: unknown, slot: Slot, path: string): void {
    const { type } = slot;
    if (slot.primitive) {
      this.primitive(value, type, path);
      this.invariants(slot.invariants, { type, value }, path);
    } else if (!isRecord(value)) {
      this.issues.push(createStructureIssue(path, `Invalid JSON type: expected object, but got ${Array.isArray(value) ? 'array' : typeof value}`));
    } else if (type === 'Resource' || type === 'DomainResource' || isResourceType(type)) {
      this.resource(value, path);
      this.invariants(slot.invariants, { type, value }, path);
    } else {
      const present = this.object(value, shapeOf(getDataType(type)), path);
      if (present.length === 0) this.issues.push(createStructureIssue(path, 'Invalid empty value'));
      else this.invariants(slot.invariants, { type, value }, path, present);
    }
  }

  private primitive(value: unknown, type: string, path: string): void {
    const expected = fhirTypeToJsType[type as keyof typeof fhirTypeToJsType];
    if (typeof value !== expected) {
      this.issues.push(createStructureIssue(path, `Invalid JSON type: expected ${expected}, but got ${Array.isArray(value) ? 'array' : typeof value}`));
    } else if (typeof value === 'string') {
      const regex = validationRegexes[type];
      if (value.trim() === '') this.issues.push(createStructureIssue(path, 'String must contain non-whitespace content'));
      else if (value.length > MAX_STRING) this.issues.push(createStructureIssue(path, 'String cannot be larger than 1 MB'));
      else if (regex !== undefined && !regex.test(value)) this.issues.push(createStructureIssue(path, `Invalid ${type} format`));
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.issues.push(createStructureIssue(path, 'Invalid numeric value'));
      else if (INTEGER_TYPES.has(type) && !Number.isInteger(value)) this.issues.push(createStructureIssue(path, 'Expected number to be an integer'));
      else if (type === 'positiveInt' && value <= 0) this.issues.push(createStructureIssue(path, 'Expected number to be positive'));
      else if (type === 'unsignedInt' && value < 0) this.issues.push(createStructureIssue(path, 'Expected number to be non-negative'));
    }
  }

  /** `_name`: an Element (id, extension) or, for a primitive array, an array of them and nulls */
  private primitiveExtensions(value: unknown, path: string): void {
    const element = shapeOf(getDataType('Element'));
    const entries = Array.isArray(value) ? value : [value];
    entries.forEach((entry: unknown, i) => {
      const at = Array.isArray(value) ? `${path}[${i}]` : path;
      if (isRecord(entry)) this.object(entry, element, at);
      else if (entry !== null || !Array.isArray(value)) this.issues.push(createStructureIssue(at, 'Invalid primitive extension'));
    });
  }

  private invariants(constraints: readonly Constraint[], value: TypedValue, path: string, present?: readonly string[]): void {
    if (constraints.length === 0) return;
    const context: InvariantContext = {
      // toTypedValue costs; most invariants are decided without evaluating FHIRPath
      root: () => (this.rootValue ??= toTypedValue(this.root)),
      resource: this.resources[this.resources.length - 1],
    };
    checkInvariants(constraints, value, path, context, this.issues, present === undefined ? undefined : (name) => !present.includes(name));
  }
}

function shapeOf(schema: InternalTypeSchema): Shape {
  let shape = shapes.get(schema);
  if (shape !== undefined) return shape;
  const slots = new Map<string, Slot>();
  const required: Slot[] = [];
  for (const [name, element] of Object.entries(schema.elements)) {
    const choice = name.endsWith('[x]');
    const base = choice ? name.slice(0, -3) : name;
    const invariants = activeInvariants(element.constraints);
    const slotOf = (type: string): Slot => ({ base, element, type, primitive: type in fhirTypeToJsType, invariants });
    if (choice) for (const { code } of element.type) slots.set(base + code.charAt(0).toUpperCase() + code.slice(1), slotOf(code));
    else slots.set(name, slotOf(element.type[0]?.code ?? 'Element'));
    if (element.min > 0) required.push(slotOf(element.type[0]?.code ?? 'Element'));
  }
  shape = { slots, required, invariants: activeInvariants(schema.constraints) };
  shapes.set(schema, shape);
  return shape;
}
