/**
 * Converting one message with a compiled mapping.
 *
 * 1. The group tree is built once (groups.ts).
 * 2. Plan: every resource rule is walked (forEach, when, key), so each resource has its
 *    fullUrl before any is filled and `ref:` can point to one written later in the mapping.
 * 3. Fill: each planned resource's `set:` rules run in its scope; conversions add derived
 *    resources (Practitioner from XCN …) as they meet them.
 * 4. The bundle is assembled and, unless turned off, validated.
 *
 * JSONata (the `expr:` escape hatch) only evaluates asynchronously. Rather than making every
 * rule async for the rare mapping that uses it, a pass runs synchronously and records the
 * expressions it needed but did not have (their rule yields nothing, a condition is false);
 * they are evaluated, and the pass is run again with the results, until a pass needs nothing
 * new. A message's expressions are finite, so this ends; a mapping without `expr:` converts
 * in one synchronous pass (convertSync). An error in a pass that was still waiting for
 * expressions may be an effect of a missing value, so it only counts in a complete pass.
 */
import { MedibusError } from '../../errors.js';
import { Hl7Message } from '../../hl7/index.js';
import type { Payload } from '../../kinds/types.js';
import { addKeyIdentifier, assembleBundle } from './bundle.js';
import type { ResourcePlan } from './compiled.js';
import { isValidTimezone } from '../hl7v2/datatypes/index.js';
import type { Converter } from '../hl7v2/datatypes/types.js';
import { buildGroups, type GroupTree, type Structure } from '../hl7v2/groups.js';
import { keyId } from '../fhir/identifiers.js';
import { locatedError, Run, type Entry, type RunSettings } from './context.js';
import { Scope } from '../hl7v2/scope.js';
import type { CompiledMapping, ConvertOptions, ConvertResult, MappingDoc, ResourceMode } from '../language/types.js';
import { validateEntries } from './validate-bundle.js';

/** Everything compile-mapping.ts produces for the runtime. */
export interface MappingProgram {
  readonly id: string;
  readonly description: string | undefined;
  readonly file: string;
  readonly messageTypes: readonly string[];
  readonly requires: MappingDoc['requires'];
  readonly structure: Structure | undefined;
  readonly resources: readonly ResourcePlan[];
  readonly identifierSystems: ReadonlyMap<string, string>;
  readonly codeSystems: ReadonlyMap<string, string>;
  readonly derivedMode: ResourceMode;
  readonly usesExpressions: boolean;
  /** DTM → instant, for Bundle.timestamp */
  readonly timestamp: Converter | undefined;
}

const MAX_PASSES = 50;

export function createMapping(program: MappingProgram): CompiledMapping {
  const accepted = program.messageTypes.map((t) => t.split('^') as [string, string]);
  const accepts = (messageType: string): boolean => {
    const [type = '', event = ''] = messageType.split('^');
    return accepted.some(([t, e]) => t === type && (e === '*' || e === event));
  };
  const required = requiredSegments(program.requires);
  const missingSegments = (msg: Hl7Message): MedibusError | undefined => {
    const msh9 = msg.msh.field(9);
    const type = `${msh9.component(1)}^${msh9.component(2)}`;
    if (!accepts(type)) return undefined;
    const needed = required(type);
    const missing = needed.filter((name) => msg.segmentsNamed(name).length === 0);
    if (missing.length === 0) return undefined;
    return new MedibusError('MEDIBUS_ERR_MAPPING_SEGMENT_MISSING', `${missing.join(', ')} missing: ${type} needs ${needed.join(', ')} (mapping ${program.id}, requires:)`, {
      location: { segment: missing[0], segmentIndex: 1 },
    });
  };
  const prepare = (msg: Hl7Message): GroupTree => {
    // hl7/header.ts messageType's rule (`ADT` alone when MSH-9.2 is empty), read from MSH-9
    // directly: msg.header reads and freezes every MSH field, which this hot path need not
    const msh9 = msg.msh.field(9);
    const event = msh9.component(2);
    const type = event === '' ? msh9.component(1) : `${msh9.component(1)}^${event}`;
    if (!accepts(type)) {
      throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `mapping ${program.id} does not accept ${type} messages (messageTypes: ${program.messageTypes.join(', ')})`, {
        location: { segment: 'MSH', segmentIndex: 1, field: 9 },
      });
    }
    const missing = missingSegments(msg);
    if (missing !== undefined) throw missing;
    return buildGroups(msg, program.structure);
  };
  const settings = (options: ConvertOptions, msg: Hl7Message): RunSettings => {
    if (options.timezone !== undefined && !isValidTimezone(options.timezone)) {
      throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `timezone "${options.timezone}" is neither an IANA zone (Asia/Ho_Chi_Minh) nor an offset (+07:00)`);
    }
    return {
      identifierSystems: program.identifierSystems,
      codeSystems: program.codeSystems,
      derivedMode: program.derivedMode,
      defaultTimezone: options.timezone ?? senderOffset(msg),
    };
  };

  return Object.freeze({
    id: program.id,
    description: program.description,
    file: program.file,
    input: 'hl7v2',
    messageTypes: program.messageTypes,
    usesExpressions: program.usesExpressions,
    accepts,
    missingSegments,
    convertSync(input: Hl7Message | Payload, options: ConvertOptions = {}): ConvertResult {
      const msg = hl7Of(input, program.id);
      if (program.usesExpressions) {
        throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `mapping ${program.id} has expr: rules, which evaluate asynchronously: use convert()`);
      }
      const run = new Run(prepare(msg), settings(options, msg), new Map());
      return finish(execute(program, run), run, options);
    },
    async convert(input: Hl7Message | Payload, options: ConvertOptions = {}): Promise<ConvertResult> {
      const msg = hl7Of(input, program.id);
      const tree = prepare(msg);
      const results = new Map<string, unknown>();
      const passSettings = settings(options, msg);
      for (let pass = 1; ; pass++) {
        const run = new Run(tree, passSettings, results);
        let entries: Entry[] | undefined;
        let failure: unknown;
        try {
          entries = execute(program, run);
        } catch (error) {
          failure = error;
        }
        if (run.pending.length === 0) {
          if (entries === undefined) throw failure;
          return finish(entries, run, options);
        }
        if (pass === MAX_PASSES) throw new MedibusError('MEDIBUS_ERR_INTERNAL', `mapping ${program.id}: expressions still pending after ${pass} passes`);
        const unique = new Map(run.pending.map((p) => [p.key, p] as const));
        const values = await Promise.all([...unique.values()].map(async (p) => [p.key, await p.run()] as const));
        for (const [key, value] of values) results.set(key, value);
      }
    },
  });
}

/**
 * `requires:` as a lookup by message type: a list for every type, or by type with `ADT^A40`
 * before `ADT^*` (the exact event wins, so a merge can need MRG instead of PV1).
 */
function requiredSegments(requires: MappingDoc['requires']): (type: string) => readonly string[] {
  if (requires === undefined) return () => [];
  if (Array.isArray(requires)) return () => requires as readonly string[];
  const byType = requires as Readonly<Record<string, readonly string[]>>;
  return (type) => byType[type] ?? byType[`${type.split('^')[0]}^*`] ?? [];
}

/**
 * The sender's UTC offset as MSH-7 gives it (`20140116170100-0500` → `-0500`), for times sent
 * without one when the channel sets no timezone: HL7 v2.5.1 §2.A.22 reads those as the
 * sender's local time, and MSH-7 is the sender's clock. A fixed offset: a time on the other
 * side of a daylight-saving change is an hour off, which `transform.timezone` (an IANA zone)
 * avoids.
 */
function senderOffset(msg: Hl7Message): string | undefined {
  const match = /^\d{10,14}(?:\.\d{1,4})?([+-]\d{4})$/.exec(msg.msh.field(7).component(1).trim());
  return match !== null && isValidTimezone(match[1]) ? match[1] : undefined;
}

function finish(entries: readonly Entry[], run: Run, options: ConvertOptions): ConvertResult {
  if (options.validate !== false) validateEntries(run.tree, entries);
  return { bundle: run.bundle, warnings: run.warnings };
}

/** Plan and fill; returns the entries in bundle order (derived first) and leaves the bundle on run. */
function execute(program: MappingProgram, run: Run): Entry[] {
  const planned: Planned[] = [];
  plan(program.resources, Scope.root(run.tree), run, planned);
  for (const entry of planned) {
    const rule = entry.rule;
    const resource = rule.build(entry.scope, run, { resourceType: rule.type }) as Record<string, unknown>;
    addKeyIdentifier(resource, entry, rule.identifierIsList);
    entry.resource = resource;
  }
  const entries: Entry[] = run.derived.length === 0 ? planned : [...run.derived, ...planned];
  run.bundle = assembleBundle(run, entries, program.timestamp);
  return entries;
}

/** An entry of a mapping rule, before it is filled. */
interface Planned extends Entry {
  readonly rule: ResourcePlan;
  readonly name: string;
  readonly scope: Scope;
}

function plan(rules: readonly ResourcePlan[], scope: Scope, run: Run, out: Planned[]): void {
  for (const rule of rules) {
    const scopes = rule.iterate === undefined ? [scope] : rule.iterate(scope, run);
    for (const s of scopes) {
      if (rule.when !== undefined && !rule.when(s, run)) continue;
      run.segment = s.pinned;
      run.field = undefined;
      const key = rule.key.read(s, run);
      if (key === undefined) {
        const where = rule.key.where(s);
        const why = `the key of ${rule.type} "${rule.name}" (${rule.key.text}) is empty; a resource needs its business key to be matched on the server`;
        // the message lacks the key's segment altogether: the location is the field the key names
        if (where.segment === undefined && where.name !== undefined) {
          const named = `${where.name}${where.field === undefined ? '' : `-${where.field}`}`;
          throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `${named}: ${why}`, { location: { segment: where.name, ...(where.field === undefined ? {} : { field: where.field }) } });
        }
        throw locatedError(run.tree, 'MEDIBUS_ERR_MAPPING_RUNTIME', why, where.segment, where.field);
      }
      const system = key.system ?? run.systemFor(rule.type);
      let value = key.value;
      let id = keyId(rule.type, system, value);
      if (key.composed && rule.mode === 'upsert') {
        // one hash per key as before; a second only for a repeat (runtime-context.ts uniqueValue)
        value = run.uniqueValue(rule.name, rule.type, id.slot, value, s);
        if (value !== key.value) id = keyId(rule.type, system, value);
      }
      const entry: Planned = { rule, name: rule.name, scope: s, type: rule.type, system, value, fullUrl: id.fullUrl, slot: id.slot, mode: rule.mode, resource: {} };
      run.segment = s.pinned ?? s.group.first;
      run.field = undefined;
      if (run.register(entry)) out.push(entry);
      plan(rule.children, s, run, out);
    }
  }
}

/** The HL7 message of an `input: hl7v2` mapping's argument; another kind is not this mapping's. */
function hl7Of(input: Hl7Message | Payload, id: string): Hl7Message {
  if (input instanceof Hl7Message) return input;
  if (input.kind === 'hl7v2') return input.message;
  throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `mapping ${id} reads hl7v2 messages, not ${input.kind} payloads (input:)`);
}
