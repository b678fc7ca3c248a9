/**
 * Converting one DICOM object or CSV row (group) with a compiled record mapping: plan every
 * resource (forEach, when, key: each gets its fullUrl before any is filled, so `ref:` may point
 * forward), fill each one's `set:` rules in its scope, assemble the transaction Bundle as HL7
 * mappings do (run/bundle.ts: conditional PUT or POST on the key), validate.
 *
 * The key identifier is put first in `identifier`: a destination that merges resources (the
 * ImagingStudy of many objects, docs/dicom-study-merge.md) finds it at identifier[0].
 */
import type { Bundle, Identifier } from '@medplum/fhirtypes';
import { MedibusError } from '../../errors.js';
import { Hl7Message } from '../../hl7/index.js';
import { checkResource } from '../../fhir/validate.js';
import type { Payload } from '../../kinds/types.js';
import { isValidTimezone } from '../../util/timezone.js';
import { keyId } from '../fhir/identifiers.js';
import { ensureFhirModel } from '../fhir/model.js';
import type { CompiledMapping, ConvertOptions, ConvertResult, ResourceMode } from '../language/types.js';
import { toBundleEntry } from '../run/bundle.js';
import type { Entry } from '../run/context.js';
import { readablePath } from '../run/validate-bundle.js';
import type { RConditionFn, RObjectFn } from './rules.js';
import { RecordRun, type RecordEntry } from './run.js';
import type { Dialect, RecordScope } from './types.js';

export interface RecordKey {
  readonly text: string;
  readonly read: (scope: RecordScope, run: RecordRun) => { system: string | undefined; value: string } | undefined;
}

export interface RecordPlan {
  readonly name: string;
  readonly type: string;
  readonly mode: ResourceMode;
  readonly iterate: ((scope: RecordScope) => readonly RecordScope[]) | undefined;
  readonly when: RConditionFn | undefined;
  readonly key: RecordKey;
  readonly build: RObjectFn;
  readonly identifierIsList: boolean;
  readonly children: readonly RecordPlan[];
}

export interface RecordProgram {
  readonly id: string;
  readonly description: string | undefined;
  readonly file: string;
  readonly dialect: Dialect;
  readonly messageTypes: readonly string[];
  readonly resources: readonly RecordPlan[];
  readonly identifierSystems: ReadonlyMap<string, string>;
  readonly columns: readonly string[] | undefined;
}

export function createRecordMapping(program: RecordProgram): CompiledMapping {
  const { dialect } = program;
  const accepts = (type: string): boolean => program.messageTypes.length === 0 || program.messageTypes.includes(type);
  const convertSync = (input: Hl7Message | Payload, options: ConvertOptions = {}): ConvertResult => {
    if (input instanceof Hl7Message || input.kind !== dialect.kind) {
      throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `mapping ${program.id} reads ${dialect.kind} payloads, not ${input instanceof Hl7Message ? 'hl7v2' : input.kind} (input:)`);
    }
    if (options.timezone !== undefined && !isValidTimezone(options.timezone)) {
      throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `timezone "${options.timezone}" is neither an IANA zone (Asia/Ho_Chi_Minh) nor an offset (+07:00)`);
    }
    const root = dialect.root(input, program.id);
    const run = new RecordRun(program.id, root.facility, program.identifierSystems, options.timezone, root.offset);
    const planned: Planned[] = [];
    plan(program.resources, root.scope, run, planned);
    for (const entry of planned) {
      run.at('');
      const resource = entry.rule.build(entry.scope, run, { resourceType: entry.type }) as Record<string, unknown>;
      putKeyFirst(resource, entry, entry.rule.identifierIsList);
      entry.resource = resource;
    }
    if (options.validate !== false) validate(planned);
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction' };
    if (root.identifier !== undefined) bundle.identifier = root.identifier;
    const systems = new Map<string, string>();
    bundle.entry = planned.map((e) => toBundleEntry(e as unknown as Entry, systems));
    return { bundle, warnings: run.warnings };
  };
  return Object.freeze({
    id: program.id,
    description: program.description,
    file: program.file,
    input: dialect.kind,
    messageTypes: program.messageTypes,
    ...(program.columns === undefined ? {} : { columns: program.columns }),
    usesExpressions: false,
    accepts,
    missingSegments: () => undefined,
    convertSync,
    convert: (input: Hl7Message | Payload, options?: ConvertOptions) => Promise.resolve().then(() => convertSync(input, options)),
  });
}

interface Planned extends RecordEntry {
  readonly rule: RecordPlan;
}

function plan(rules: readonly RecordPlan[], scope: RecordScope, run: RecordRun, out: Planned[]): void {
  for (const rule of rules) {
    const scopes = rule.iterate === undefined ? [scope] : rule.iterate(scope);
    for (const s of scopes) {
      if (rule.when !== undefined && !rule.when(s, run)) continue;
      run.at('');
      const key = rule.key.read(s, run);
      if (key === undefined) {
        throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `${s.label}: the key of ${rule.type} "${rule.name}" (${rule.key.text}) is empty; a resource needs its business key to be matched on the server`);
      }
      const system = key.system ?? run.systemFor(rule.type);
      const id = keyId(rule.type, system, key.value);
      const entry: Planned = { rule, name: rule.name, type: rule.type, system, value: key.value, fullUrl: id.fullUrl, slot: id.slot, mode: rule.mode, scope: s, resource: {} };
      if (run.register(entry)) out.push(entry);
      plan(rule.children, s, run, out);
    }
  }
}

/** The key identifier first in `identifier` (moved there when a rule already put it in). */
function putKeyFirst(resource: Record<string, unknown>, entry: RecordEntry, isList: boolean): void {
  const key: Identifier = { system: entry.system, value: entry.value };
  if (!isList) {
    resource['identifier'] = key;
    return;
  }
  const list = Array.isArray(resource['identifier']) ? (resource['identifier'] as Identifier[]) : [];
  const at = list.findIndex((i) => i.value === entry.value && (i.system === entry.system || i.system === undefined));
  const own = at < 0 ? key : { ...list[at], system: entry.system };
  resource['identifier'] = [own, ...list.filter((_, i) => i !== at)];
}

function validate(entries: readonly Planned[]): void {
  ensureFhirModel();
  const counts = new Map<string, number>();
  const problems: string[] = [];
  let first: string | undefined;
  for (const entry of entries) {
    const index = counts.get(entry.type) ?? 0;
    counts.set(entry.type, index + 1);
    for (const issue of checkResource(entry.resource)) {
      if (issue.severity !== 'error' && issue.severity !== 'fatal') continue;
      const path = readablePath(entry.resource, issue.expression?.[0] ?? entry.type, index);
      first ??= path;
      problems.push(`${path}: ${issue.details?.text ?? issue.diagnostics ?? issue.code} (from ${entry.scope.label})`);
    }
  }
  if (problems.length > 0) {
    throw new MedibusError('MEDIBUS_ERR_MAPPING_INVALID_FHIR', `the mapping produced invalid FHIR R4:\n  ${problems.join('\n  ')}`, { location: { fhirPath: first } });
  }
}
