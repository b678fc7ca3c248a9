/**
 * What one conversion of one message carries: warnings, the resources planned so far (for
 * `ref:`), the resources conversions derived from fields (Practitioner from XCN …), the
 * position being read (for messages), and JSONata results. It is the ConvertContext the
 * datatype conversions see.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Repetition, Segment } from '../../hl7/index.js';
import { MedibusError, type ErrorCode, type ErrorLocation } from '../../errors.js';
import type { ConvertContext, EmittedReference } from '../hl7v2/datatypes/types.js';
import { addKeyIdentifier } from './bundle.js';
import { crossesKind, within, type Group, type GroupTree } from '../hl7v2/groups.js';
import { facilitySystem, keyId, resolveIdentifierSystem } from '../fhir/identifiers.js';
import type { Scope } from '../hl7v2/scope.js';
import type { ResourceMode } from '../language/types.js';

/**
 * A resource of the bundle, from a mapping rule (`name` and `scope` set: the rule and where it
 * was planned) or derived by a conversion (`segment`/`field`: what the conversion read).
 */
export interface Entry {
  readonly type: string;
  readonly system: string;
  readonly value: string;
  readonly fullUrl: string;
  /** identifiers.ts keyId: tells keys apart without hashing the fullUrl text again */
  readonly slot: number;
  readonly mode: ResourceMode;
  resource: Record<string, unknown>;
  readonly name?: string;
  readonly scope?: Scope;
  readonly segment?: Segment;
  readonly field?: number;
}

/** A JSONata expression whose value a pass needed but did not have yet (see runtime-convert.ts). */
export interface PendingExpr {
  readonly key: string;
  run(): Promise<unknown>;
}

/** Returned by Run.expression while the value is being computed. */
export const PENDING: unique symbol = Symbol('pending');

export interface RunSettings {
  readonly identifierSystems: ReadonlyMap<string, string>;
  /** the mapping's codeSystems: local coding system name → URI */
  readonly codeSystems: ReadonlyMap<string, string>;
  readonly derivedMode: ResourceMode;
  readonly defaultTimezone: string | undefined;
}

export class Run implements ConvertContext {
  readonly warnings: string[] = [];
  /** the entries of each resource rule, by rule name, in plan order */
  readonly instances = new Map<string, Entry[]>();
  /** every entry, by the slot of its key (identifiers.ts keyId) */
  private readonly keyed = new Map<number, Entry>();
  readonly derived: Entry[] = [];
  readonly pending: PendingExpr[] = [];
  readonly defaultTimezone: string | undefined;
  /** the result, once assembled */
  bundle: Bundle = { resourceType: 'Bundle', type: 'transaction' };
  /** the segment and field being converted, for warnings and errors */
  segment: Segment | undefined;
  field: number | undefined;
  private facilityName: string | undefined;
  private readonly facilitySystems = new Map<string, string>();
  /** references made by XCN/XON/PL conversions, by conversion and raw text (see derivedReference) */
  private readonly derivedReferences = new Map<(rep: Repetition, ctx: ConvertContext) => unknown, Map<string, unknown>>();

  constructor(
    readonly tree: GroupTree,
    private readonly settings: RunSettings,
    private readonly exprResults: ReadonlyMap<string, unknown>,
  ) {
    this.defaultTimezone = settings.defaultTimezone;
  }

  at(segment: Segment, field: number | undefined): void {
    this.segment = segment;
    this.field = field;
  }

  /** The system of a key without one (identifiers.ts), once per resource type and message. */
  systemFor(resourceType: string): string {
    let system = this.facilitySystems.get(resourceType);
    if (system === undefined) {
      system = facilitySystem(this.facility, resourceType);
      this.facilitySystems.set(resourceType, system);
    }
    return system;
  }

  /** MSH-4.1, else MSH-3.1: whose numbering a key without an authority is. */
  get facility(): string {
    if (this.facilityName === undefined) {
      const msh = this.tree.message.msh;
      this.facilityName = msh.field(4).component(1) || msh.field(4).component(2) || msh.field(3).component(1);
    }
    return this.facilityName;
  }

  identifierSystem(namespace: string, universalId: string, universalIdType: string): string | undefined {
    return resolveIdentifierSystem(this.settings.identifierSystems, namespace, universalId, universalIdType);
  }

  localCodeSystem(name: string): string | undefined {
    return this.settings.codeSystems.get(name);
  }

  private warnedUtc = false;

  /**
   * A time without offset was read as UTC: neither `transform.timezone` nor an offset in MSH-7
   * says where the sender is (HL7 v2.5.1 §2.A.22: such a time is the sender's local time).
   * Said once per message, where it first happened.
   */
  assumedUtc(): void {
    if (this.warnedUtc) return;
    this.warnedUtc = true;
    this.warn('a time without offset is read as UTC: set transform.timezone (or --timezone), or have the sender put its offset in MSH-7');
  }

  warn(message: string): void {
    const where = this.segment === undefined ? '' : `${positionText(this.tree, this.segment, this.field)}: `;
    this.warnings.push(where + message);
  }

  emit(resourceType: 'Practitioner' | 'Organization' | 'Location', key: { system?: string; value: string }, resource: Record<string, unknown>): EmittedReference {
    const value = key.value.trim();
    if (value === '') {
      throw this.error('MEDIBUS_ERR_MAPPING_RUNTIME', `a ${resourceType} was derived without an identifier value, so it cannot be matched on the server`);
    }
    const system = key.system ?? this.systemFor(resourceType);
    const id = keyId(resourceType, system, value);
    const known = this.lookup(id.slot, resourceType, system, value);
    if (known !== undefined) {
      // the same practitioner named in several fields: one entry, completed by the later mentions
      for (const k in resource) if (known.resource[k] === undefined) known.resource[k] = resource[k];
      return { reference: known.fullUrl };
    }
    const entry: Entry = {
      type: resourceType,
      system,
      value,
      fullUrl: id.fullUrl,
      slot: id.slot,
      mode: this.settings.derivedMode,
      resource: { resourceType, ...resource },
      ...(this.segment === undefined ? {} : { segment: this.segment }),
      ...(this.field === undefined ? {} : { field: this.field }),
    };
    // the conditional request searches on the key: the resource must carry it, system included
    addKeyIdentifier(entry.resource, entry, true);
    this.keyed.set(id.slot, entry);
    this.derived.push(entry);
    return { reference: entry.fullUrl };
  }

  /**
   * The entry with this key, if any. The slot is a hash: an entry found by it must have the
   * key itself. Two keys sharing a slot can only be made on purpose (the hash is not
   * cryptographic); the message is then refused rather than one resource taken for the other.
   */
  private lookup(slot: number, type: string, system: string, value: string): Entry | undefined {
    const found = this.keyed.get(slot);
    if (found === undefined || (found.type === type && found.system === system && found.value === value)) return found;
    // the key values are identifiers (an MRN): the error goes to the log and a queue header
    throw this.error('MEDIBUS_ERR_MAPPING_RUNTIME', `two different keys (a ${found.type} of ${found.system || 'no system'} and a ${type} of ${system || 'no system'}) have the same fullUrl hash; medibus cannot tell them apart in one bundle`);
  }

  /**
   * A Reference a conversion derives (XCN → Practitioner …), converted once per distinct text in
   * a message: the conversion is a function of the text and the mapping's settings, and its
   * resource is already in the bundle after the first mention (emit keeps one per key). Each
   * caller gets its own copy of the Reference, so a `default:` on one element changes no other.
   */
  derivedReference(convert: (rep: Repetition, ctx: ConvertContext) => unknown, rep: Repetition): unknown {
    let byText = this.derivedReferences.get(convert);
    if (byText === undefined) {
      byText = new Map();
      this.derivedReferences.set(convert, byText);
    }
    let value = byText.get(rep.raw);
    if (value === undefined) {
      value = convert(rep, this) ?? null;
      byText.set(rep.raw, value);
    }
    return value === null ? undefined : { ...(value as Record<string, unknown>) };
  }

  /**
   * Registers a planned resource; returns false when it is one already in the bundle.
   *
   * Two with the same type and key would be one on the server. For upserts that is an error:
   * the second would overwrite the first. A `mode: create` rule meeting its key again (the same
   * insurer in two IN1, the same specimen under two orders) names one resource twice: the
   * conditional create only adds it when it is new, so there is nothing to overwrite, and the
   * second occurrence becomes another name for the first entry (its references resolve to it;
   * it adds no entry, and its own elements are not sent).
   */
  register(entry: Entry & { readonly name: string }): boolean {
    const other = this.lookup(entry.slot, entry.type, entry.system, entry.value);
    if (other !== undefined && other.name === entry.name && other.mode === 'create' && entry.mode === 'create') {
      this.addInstance(entry);
      return false;
    }
    if (other !== undefined) {
      throw this.error(
        'MEDIBUS_ERR_MAPPING_RUNTIME',
        `two ${entry.type} resources have the key ${entry.system}|${entry.value} (${originText(this.tree, other)} and ${originText(this.tree, entry)}); make the key unique, e.g. add a set ID to it`,
      );
    }
    this.keyed.set(entry.slot, entry);
    this.addInstance(entry);
    return true;
  }

  /**
   * The value of a composed key (compile-key.ts), made unique among this rule's resources.
   * The IG makes one resource per segment repeat, and a key put together from a set ID and a
   * code is not always unique: the HL7 v2.4 ADT^A04 example sends two NK1 with set ID 1, a DG1
   * code may be both the admitting and the final diagnosis, OBX-1 may be empty. The first
   * keeps its key; a later one gets the position of its segment appended (`…@NK1.2`: the second
   * NK1 of the message), so the same message always yields the same keys, and identical repeats
   * stay two resources rather than one overwriting the other.
   */
  uniqueValue(name: string, type: string, slot: number, value: string, scope: Scope): string {
    const taken = this.keyed.get(slot);
    if (taken === undefined || taken.name !== name || taken.value !== value) return value;
    const seg = scope.pinned ?? scope.group.first;
    if (seg === undefined) return value;
    const unique = `${value}@${seg.name}.${occurrenceOf(this.tree, seg)}`;
    this.segment = seg;
    this.field = undefined;
    this.warn(`the key of ${type} "${name}" is also that of ${originText(this.tree, taken)} (a repeated or empty set ID, or the same code twice): this one is keyed by its position (@${seg.name}.${occurrenceOf(this.tree, seg)})`);
    return unique;
  }

  private addInstance(entry: Entry & { readonly name: string }): void {
    const list = this.instances.get(entry.name);
    if (list === undefined) this.instances.set(entry.name, [entry]);
    else list.push(entry);
  }

  /**
   * The fullUrls `ref: name` points to from `scope`: from the scope's group outwards, the
   * first level whose subtree holds any — its first one for a single element, all for a list.
   * A reference never reaches into a group parallel to one of its own kind: from the second
   * ORDER, the first ORDER's specimen is not "the nearest specimen", it is someone else's.
   */
  resolve(name: string, scope: Scope, many: boolean, out: unknown[]): void {
    const list = this.instances.get(name);
    if (list === undefined) return;
    for (let g: Group | undefined = scope.group; g !== undefined; g = g.parent) {
      let found = false;
      for (const entry of list) {
        const group = (entry.scope as Scope).group;
        if (!within(group, g) || crossesKind(group, scope.group, g)) continue;
        out.push({ reference: entry.fullUrl });
        found = true;
        if (!many) return;
      }
      if (found) return;
    }
  }

  /** A JSONata result, or PENDING after recording that it must be computed before the next pass. */
  expression(id: number, scope: Scope, evaluate: () => Promise<unknown>): unknown {
    const key = `${id}@${scope.key}`;
    if (this.exprResults.has(key)) return this.exprResults.get(key);
    this.pending.push({ key, run: evaluate });
    return PENDING;
  }

  /** A MedibusError located at the segment and field being read. */
  error(code: ErrorCode, message: string, cause?: unknown): MedibusError {
    return locatedError(this.tree, code, message, this.segment, this.field, cause);
  }
}

/** `OBX[3]` (a segment, or the first of a group), `PV1-7` (a field), `the message`: where a resource came from. */
export function originText(tree: GroupTree, entry: Entry): string {
  const scope = entry.scope;
  if (scope === undefined) return entry.segment === undefined ? 'a conversion' : positionText(tree, entry.segment, entry.field);
  if (scope.pinned !== undefined) return positionText(tree, scope.pinned, scope.pin?.field);
  const group = scope.group;
  if (group.def !== undefined && group.first !== undefined) return positionText(tree, group.first, undefined);
  return 'the message';
}

/** `PID-8`, `OBX[3]-5`: the segment's occurrence among those of its name, 1-based. */
export function positionText(tree: GroupTree, seg: Segment, field: number | undefined): string {
  const occurrence = occurrenceOf(tree, seg);
  return `${seg.name}${occurrence > 1 ? `[${occurrence}]` : ''}${field === undefined ? '' : `-${field}`}`;
}

function occurrenceOf(tree: GroupTree, seg: Segment): number {
  return tree.message.segmentsNamed(seg.name).indexOf(seg) + 1;
}

export function locatedError(tree: GroupTree, code: ErrorCode, message: string, seg: Segment | undefined, field: number | undefined, cause?: unknown): MedibusError {
  if (seg === undefined) return new MedibusError(code, message, { cause });
  const location: ErrorLocation = { segment: seg.name, segmentIndex: occurrenceOf(tree, seg), ...(field === undefined ? {} : { field }) };
  return new MedibusError(code, `${positionText(tree, seg, field)}: ${message}`, { location, cause });
}
