/**
 * A DICOM or CSV mapping file, compiled: resources, keys and `set:` rules over the dialect's
 * paths (docs/mapping-language.md, "Input dialects"). HL7-only keys (`structure:`, `requires:`,
 * `derivedMode:`) are refused with the reason; everything else reads as in an HL7 mapping.
 */
import type { Diagnostic, PathSegment } from '../../config/index.js';
import type { YamlSource } from '../../config/yaml.js';
import { CompileContext, type ConversionSet } from '../compile/context.js';
import { checkMappingFile } from '../compile/mapping.js';
import { identifierElement, isResourceTypeName, resourceTypeNames } from '../fhir/model.js';
import type { CompositeKeyDoc, KeyDoc, MappingDoc, ResourceDoc, RuleDoc, RuleObjectDoc } from '../language/types.js';
import type { TableResolution } from '../terminology/mapping-tables.js';
import { createRecordMapping, type RecordKey, type RecordPlan } from './convert.js';
import { compileCondition, compileForEachAt, compilePathAt, compileRule, compileSet, leafText, type RecordCompile, type RTarget, type RValueFn } from './rules.js';
import type { CompiledMapping } from '../language/types.js';
import type { Dialect, Leaf } from './types.js';

export function compileRecordMapping(doc: MappingDoc, source: YamlSource, tables: TableResolution, kindDialect: Dialect, conversions: ConversionSet): { mapping: CompiledMapping | undefined; diagnostics: Diagnostic[] } {
  const cx = new CompileContext(source, conversions, tables.tables, tables.known, doc.unmapped);
  checkMappingFile(cx, doc, source);
  let dialect = kindDialect;
  if (doc.columns !== undefined) {
    if (kindDialect.withColumns === undefined) cx.error(['columns'], `columns: names the header row of a csv export; a ${kindDialect.kind} mapping has none`, { target: 'key' });
    else dialect = kindDialect.withColumns(doc.columns);
  }
  const rc: RecordCompile = { cx, dialect };
  for (const key of ['structure', 'requires'] as const) {
    if (doc[key] !== undefined) cx.error([key], `${key}: is for hl7v2 mappings (segments and fields); a ${dialect.kind} mapping has none`, { target: 'key' });
  }
  declareNames(rc, doc.resources, ['resources']);
  const resources = doc.resources.map((r, i) => compileResource(rc, r, ['resources', i]));
  if (cx.diagnostics.some((d) => d.severity === 'error')) return { mapping: undefined, diagnostics: cx.diagnostics };
  const mapping = createRecordMapping({
    id: doc.id,
    description: doc.description,
    file: source.file,
    dialect,
    messageTypes: doc.messageTypes ?? [],
    resources,
    identifierSystems: new Map(Object.entries(doc.identifierSystems ?? {})),
    columns: doc.columns,
  });
  return { mapping, diagnostics: cx.diagnostics };
}

function declareNames(rc: RecordCompile, docs: readonly ResourceDoc[], at: readonly PathSegment[]): void {
  docs.forEach((doc, i) => {
    if (rc.cx.resources.has(doc.name)) rc.cx.error([...at, i, 'name'], `the name "${doc.name}" is already used by another resource; names must be unique (ref: uses them)`);
    else rc.cx.resources.set(doc.name, doc.type);
    declareNames(rc, doc.resources ?? [], [...at, i, 'resources']);
  });
}

function compileResource(rc: RecordCompile, doc: ResourceDoc, at: readonly PathSegment[]): RecordPlan {
  const { cx } = rc;
  const none: RecordPlan = { name: doc.name, type: doc.type, mode: 'upsert', iterate: undefined, when: undefined, key: { text: '', read: () => undefined }, build: () => undefined, identifierIsList: true, children: [] };
  if (!isResourceTypeName(doc.type)) {
    cx.error([...at, 'type'], `unknown FHIR R4 resource type "${doc.type}"${cx.suggest(doc.type, resourceTypeNames())}`);
    return none;
  }
  const identifier = identifierElement(doc.type);
  if (identifier === undefined) cx.error([...at, 'type'], `${doc.type} has no identifier element, so it cannot be matched on a business key (conditional requests use identifier=…)`);
  return {
    name: doc.name,
    type: doc.type,
    mode: doc.mode ?? 'upsert',
    iterate: doc.forEach === undefined ? undefined : compileForEachAt(rc, doc.forEach, [...at, 'forEach']),
    when: doc.when === undefined ? undefined : compileCondition(rc, doc.when, [...at, 'when']),
    key: compileKey(rc, doc.key, [...at, 'key'], doc.type),
    build: compileSet(rc, doc.set ?? {}, [...at, 'set'], doc.type, doc.type),
    identifierIsList: identifier?.isArray ?? true,
    children: (doc.resources ?? []).map((child, i) => compileResource(rc, child, [...at, 'resources', i])),
  };
}

const TEXT: Omit<RTarget, 'fhirPath' | 'type'> = { many: false, targets: [] };

/**
 * `key:` as in HL7 mappings: a path or rule read as an Identifier (a DICOM UID becomes
 * `urn:dicom:uid` | `urn:oid:<uid>`), or `{ system, value: [parts] }` joined with `-`; a
 * `system:` with a colon is a URI, else a rule (`{ from: IssuerOfPatientID, type: authority }`).
 */
function compileKey(rc: RecordCompile, doc: KeyDoc, at: readonly PathSegment[], resourceType: string): RecordKey {
  const fhirPath = `${resourceType}.identifier`;
  if (typeof doc === 'object' && doc !== null && ('system' in doc || 'value' in doc) && (doc as RuleObjectDoc).from === undefined) {
    const composite = doc as CompositeKeyDoc;
    if (composite.value === undefined) {
      rc.cx.error(at, 'a key with system: needs value: (a rule, or a list of rules joined with "-")');
      return { text: '?', read: () => undefined };
    }
    const system = composite.system;
    let systemFn: RValueFn | undefined;
    if (typeof system === 'string' && system.includes(':')) systemFn = (_s, _r, out) => void out.push(system);
    else if (system !== undefined) systemFn = compileRule(rc, system as RuleDoc, [...at, 'system'], { ...TEXT, fhirPath: `${fhirPath}.system`, type: 'uri' });
    const docs: readonly RuleDoc[] = Array.isArray(composite.value) ? composite.value : [composite.value as RuleDoc];
    const parts = docs.map((p, i) => compilePart(rc, p, Array.isArray(composite.value) ? [...at, 'value', i] : [...at, 'value'], fhirPath));
    return {
      text: docs.map(describe).join(' + '),
      read: (scope, run) => {
        const texts = parts.map((part) => {
          const out: unknown[] = [];
          part(scope, run, out);
          return out.length === 0 ? '' : String(out[0]).trim();
        });
        if (texts.every((t) => t === '')) return undefined;
        const out: unknown[] = [];
        systemFn?.(scope, run, out);
        return { system: typeof out[0] === 'string' && out[0] !== '' ? out[0] : undefined, value: texts.join('-') };
      },
    };
  }
  const rule = compileRule(rc, doc as RuleDoc, at, { ...TEXT, fhirPath, type: 'Identifier' });
  return {
    text: describe(doc as RuleDoc),
    read: (scope, run) => {
      const out: unknown[] = [];
      rule(scope, run, out);
      const id = out[0] as { system?: unknown; value?: unknown } | undefined;
      const value = typeof id?.value === 'string' ? id.value.trim() : '';
      if (value === '') return undefined;
      return { system: typeof id?.system === 'string' && id.system !== '' ? id.system : undefined, value };
    },
  };
}

/** A key part: a path is read as text (its first value); any other rule as a string element. */
function compilePart(rc: RecordCompile, doc: RuleDoc, at: readonly PathSegment[], fhirPath: string): RValueFn {
  if (typeof doc !== 'string') return compileRule(rc, doc, at, { ...TEXT, fhirPath, type: 'string' });
  const path = compilePathAt(rc, doc, at);
  if (path === undefined) return () => {};
  return (scope, _run, out) => {
    const leaves: Leaf[] = [];
    path.read(scope, leaves);
    for (const leaf of leaves) {
      const text = leafText(leaf);
      if (text !== '') {
        out.push(text);
        return;
      }
    }
  };
}

function describe(doc: RuleDoc): string {
  if (typeof doc === 'string') return doc;
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const rule = doc as RuleObjectDoc;
    if (rule.from !== undefined) return rule.from;
    if (rule.first !== undefined) return rule.first.map(describe).join(', else ');
  }
  return JSON.stringify(doc);
}
