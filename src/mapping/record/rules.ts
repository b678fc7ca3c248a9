/**
 * Value rules, `set:` blocks and conditions of a DICOM or CSV mapping: the forms and modifiers
 * of docs/mapping-language.md ("Value rules"), with paths read by the mapping's dialect.
 * `convert:` and `expr:` read HL7 segments and are refused here at load, with the reason.
 */
import type { PathSegment } from '../../config/index.js';
import { isMedibusError } from '../../errors.js';
import { pnAlphabetic } from '../../dicom/index.js';
import type { CompileContext } from '../compile/context.js';
import { copy, INVALID, normaliseValue } from '../compile/const.js';
import { compileMap } from '../compile/map.js';
import { choiceSuffix, hasElements, isPrimitiveType, lookupElement, requiredCodes } from '../fhir/model.js';
import { describeOwner as describeOwnerText } from '../run/compiled.js';
import type { ConditionDoc, RuleDoc, RuleObjectDoc } from '../language/types.js';
import type { RecordRun } from './run.js';
import type { CompiledPath, Dialect, Leaf, RecordScope } from './types.js';

export type RValueFn = (scope: RecordScope, run: RecordRun, out: unknown[]) => void;
export type RObjectFn = (scope: RecordScope, run: RecordRun, seed?: Record<string, unknown>) => Record<string, unknown> | undefined;
export type RConditionFn = (scope: RecordScope, run: RecordRun) => boolean;

export interface RTarget {
  readonly fhirPath: string;
  readonly type: string;
  readonly many: boolean;
  readonly targets: readonly string[];
  readonly binding?: string | undefined;
  readonly joinPart?: boolean;
}

export interface RecordCompile {
  readonly cx: CompileContext;
  readonly dialect: Dialect;
}

const NOTHING: RValueFn = () => {};
const FORMS = ['from', 'value', 'ref', 'first', 'join', 'set', 'convert', 'expr'] as const;
const TEXT_TYPES = new Set(['string', 'markdown', 'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid']);

/** A path of the dialect, or undefined after reporting where it goes wrong. */
export function compilePathAt(rc: RecordCompile, text: string, at: readonly PathSegment[]): CompiledPath | undefined {
  try {
    return rc.dialect.compilePath(text);
  } catch (error) {
    if (!isMedibusError(error)) throw error;
    const column = error.location?.column;
    rc.cx.error(at, error.message, { offset: column === undefined ? undefined : column - 1 });
    return undefined;
  }
}

export function compileRule(rc: RecordCompile, doc: RuleDoc, at: readonly PathSegment[], target: RTarget): RValueFn {
  const { cx } = rc;
  if (typeof doc === 'string') return compileFrom(rc, { from: doc }, at, at, target);
  if (Array.isArray(doc)) {
    if (!target.many) {
      cx.error(at, `${target.fhirPath} holds one value; a list of rules is for list elements (use first: [...] to try rules in order)`);
      return NOTHING;
    }
    const rules = doc.map((item: RuleDoc, i) => compileRule(rc, item, [...at, i], target));
    return (scope, run, out) => {
      for (const rule of rules) rule(scope, run, out);
    };
  }
  if (typeof doc === 'number') {
    cx.error(at, `expected ${rc.dialect.describe}; YAML read this as the number ${doc}: quote it ('${rc.dialect.kind === 'dicom' && Number.isInteger(doc) ? String(doc).padStart(8, '0') : doc}') for a ${rc.dialect.kind === 'dicom' ? 'tag' : 'column name'}, or write { value: ${doc} } for a constant`);
    return NOTHING;
  }
  if (typeof doc !== 'object' || doc === null) {
    cx.error(at, `expected ${rc.dialect.describe}, or { value: ${JSON.stringify(doc)} } for a constant`);
    return NOTHING;
  }
  const rule = doc as RuleObjectDoc;
  const forms = FORMS.filter((f) => rule[f] !== undefined);
  if (forms.length !== 1) {
    cx.error(at, forms.length === 0 ? `a rule needs one of ${FORMS.join(', ')}` : `a rule has exactly one of ${FORMS.join(', ')}; this one has ${forms.join(' and ')}`);
    return NOTHING;
  }
  const narrowed: RTarget = rule.all === undefined ? target : { ...target, many: rule.all };
  let fn = compileForm(rc, forms[0], rule, at, narrowed);
  if (rule.default !== undefined) fn = compileDefault(rc, rule.default, [...at, 'default'], target, fn);
  if (rule.when !== undefined) {
    const when = compileCondition(rc, rule.when, [...at, 'when']);
    const inner = fn;
    fn = (scope, run, out) => {
      if (when(scope, run)) inner(scope, run, out);
    };
  }
  if (rule.forEach !== undefined) {
    const iterate = compileForEachAt(rc, rule.forEach, [...at, 'forEach']);
    const inner = fn;
    const many = narrowed.many;
    if (iterate !== undefined) {
      fn = (scope, run, out) => {
        const scopes = iterate(scope);
        for (let i = 0; i < scopes.length && (many || out.length === 0); i++) inner(scopes[i], run, out);
      };
    }
  }
  return fn;
}

export function compileForEachAt(rc: RecordCompile, text: string, at: readonly PathSegment[]): ((scope: RecordScope) => readonly RecordScope[]) | undefined {
  try {
    return rc.dialect.compileForEach(text);
  } catch (error) {
    if (!isMedibusError(error)) throw error;
    const column = error.location?.column;
    rc.cx.error(at, error.message, { offset: column === undefined ? undefined : column - 1 });
    return undefined;
  }
}

function compileForm(rc: RecordCompile, form: (typeof FORMS)[number], doc: RuleObjectDoc, at: readonly PathSegment[], target: RTarget): RValueFn {
  const { cx } = rc;
  switch (form) {
    case 'from':
      return compileFrom(rc, doc, at, [...at, 'from'], target);
    case 'value':
      return compileConstant(rc, doc.value, [...at, 'value'], target);
    case 'ref':
      return compileRef(rc, doc.ref as string, [...at, 'ref'], target);
    case 'first': {
      const rules = (doc.first ?? []).map((r, i) => compileRule(rc, r, [...at, 'first', i], target));
      return (scope, run, out) => {
        for (const rule of rules) {
          const before = out.length;
          rule(scope, run, out);
          if (out.length > before) return;
        }
      };
    }
    case 'join':
      return compileJoin(rc, doc, at, target);
    case 'set': {
      if (!hasElements(target.type)) {
        cx.error([...at, 'set'], `set: builds an element with parts; ${target.fhirPath} is a ${target.type}: give it a value`, { target: 'key' });
        return NOTHING;
      }
      const build = compileSet(rc, doc.set ?? {}, [...at, 'set'], target.type, target.fhirPath);
      return (scope, run, out) => {
        const value = build(scope, run);
        if (value !== undefined) out.push(value);
      };
    }
    case 'convert':
    case 'expr':
      cx.error([...at, form], `${form}: reads HL7 segments; a ${rc.dialect.kind} mapping (input: ${rc.dialect.kind}) uses from:, value:, first:, join: and set:`, { target: 'key' });
      return NOTHING;
    default:
      form satisfies never;
      return NOTHING;
  }
}

function compileFrom(rc: RecordCompile, doc: RuleObjectDoc, at: readonly PathSegment[], pathAt: readonly PathSegment[], target: RTarget): RValueFn {
  const { cx, dialect } = rc;
  if (typeof doc.from !== 'string') {
    cx.error(pathAt, `from: takes ${dialect.describe}`);
    return NOTHING;
  }
  if (doc.type !== undefined && !dialect.asTypes.includes(doc.type)) {
    cx.error([...at, 'type'], `type: ${doc.type} is not a ${dialect.kind} reading; known: ${dialect.asTypes.join(', ') || 'none'}`);
    return NOTHING;
  }
  const path = compilePathAt(rc, doc.from, pathAt);
  if (path === undefined) return NOTHING;
  const convert = dialect.converter(target.type, doc.type);
  if (convert === undefined) {
    cx.error(pathAt, `type mismatch: no conversion from a ${dialect.kind} value (${doc.from}) to ${target.type} for ${target.fhirPath}; build it with set: or ref:`);
    return NOTHING;
  }
  const mapper = doc.map === undefined ? undefined : compileMap(cx, doc.map, doc.unmapped, target.type, target.fhirPath, [...at, 'map']);
  const many = target.many;
  const text = doc.from;
  const leaves: Leaf[] = [];
  return (scope, run, out) => {
    leaves.length = 0;
    path.read(scope, leaves);
    const found = leaves.slice();
    for (const leaf of found) {
      run.at(`${scope.label}, ${text}`);
      let value = convert(leaf, run);
      if (value === undefined || value === null || value === '') continue;
      if (mapper !== undefined) {
        value = mapper(value, run);
        if (value === undefined) continue;
      }
      out.push(value);
      if (!many) return;
    }
  };
}

function compileConstant(rc: RecordCompile, value: unknown, at: readonly PathSegment[], target: RTarget): RValueFn {
  const { cx } = rc;
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && !target.many) {
    cx.error(at, `type mismatch: ${target.fhirPath} holds one value, got a list`);
    return NOTHING;
  }
  const normalised = items.map((v, i) => normaliseValue(cx, v, target.type, Array.isArray(value) ? [...at, i] : at, target.fhirPath));
  if (normalised.includes(INVALID)) return NOTHING;
  if (target.binding !== undefined) {
    const codes = requiredCodes(target.binding);
    for (const v of normalised) {
      if (codes !== undefined && typeof v === 'string' && !codes.has(v)) {
        cx.error(at, `"${v}" is not a code of ${target.binding.split('|')[0]}, which ${target.fhirPath} requires: ${[...codes].join(', ')}${cx.suggest(v, [...codes])}`);
        return NOTHING;
      }
    }
  }
  return (_scope, _run, out) => {
    for (const v of normalised) out.push(copy(v));
  };
}

function compileDefault(rc: RecordCompile, doc: Readonly<Record<string, unknown>>, at: readonly PathSegment[], target: RTarget, inner: RValueFn): RValueFn {
  if (isPrimitiveType(target.type)) {
    rc.cx.error(at, `default: merges elements into a value with parts; ${target.fhirPath} is a ${target.type}`, { target: 'key' });
    return inner;
  }
  const normalised = normaliseValue(rc.cx, doc, target.type, at, target.fhirPath);
  if (normalised === INVALID) return inner;
  const entries = Object.entries(normalised as Record<string, unknown>);
  return (scope, run, out) => {
    const start = out.length;
    inner(scope, run, out);
    for (let i = start; i < out.length; i++) {
      const value = out[i];
      if (typeof value !== 'object' || value === null) continue;
      const merged = { ...(value as Record<string, unknown>) };
      for (const [key, fallback] of entries) if (merged[key] === undefined) merged[key] = copy(fallback);
      out[i] = merged;
    }
  };
}

function compileRef(rc: RecordCompile, name: string, at: readonly PathSegment[], target: RTarget): RValueFn {
  const { cx } = rc;
  if (target.type !== 'Reference') {
    cx.error(at, `type mismatch: ref: gives a Reference, but ${target.fhirPath} is a ${target.type}`);
    return NOTHING;
  }
  const type = cx.resources.get(name);
  if (type === undefined) {
    const names = [...cx.resources.keys()];
    cx.error(at, `unknown resource "${name}" in ref:; the mapping names ${names.join(', ')}${cx.suggest(name, names)}`);
    return NOTHING;
  }
  if (target.targets.length > 0 && !target.targets.includes(type)) {
    cx.error(at, `type mismatch: ${target.fhirPath} can reference ${target.targets.join(', ')}, but ${name} is a ${type}`);
    return NOTHING;
  }
  const many = target.many;
  return (scope, run, out) => run.resolve(name, scope, many, out);
}

function compileJoin(rc: RecordCompile, doc: RuleObjectDoc, at: readonly PathSegment[], target: RTarget): RValueFn {
  if (!TEXT_TYPES.has(target.type)) {
    rc.cx.error([...at, 'join'], `type mismatch: join: gives text, but ${target.fhirPath} is a ${target.type}`, { target: 'key' });
    return NOTHING;
  }
  const text: RTarget = { fhirPath: target.fhirPath, type: 'string', many: false, targets: [], joinPart: true };
  const parts = (doc.join ?? []).map((r, i) => compileRule(rc, r, [...at, 'join', i], text));
  const separator = doc.with ?? ' ';
  return (scope, run, out) => {
    const values: unknown[] = [];
    for (const part of parts) part(scope, run, values);
    const joined = values
      .filter((v) => typeof v === 'string' || typeof v === 'number')
      .map((v) => String(v).trim())
      .filter((v) => v !== '')
      .join(separator);
    if (joined !== '') out.push(joined);
  };
}

/** `set:` — element → rule, every name checked against the FHIR type; `a.b:` is shorthand for `a: { set: { b } }`. */
export function compileSet(rc: RecordCompile, doc: Readonly<Record<string, RuleDoc>>, at: readonly PathSegment[], typeName: string, fhirPath: string): RObjectFn {
  return compileEntries(rc, Object.entries(doc).map(([name, rule]) => ({ name, rule, at: [...at, name] })), typeName, fhirPath);
}

interface SetEntry {
  readonly name: string;
  readonly rule: RuleDoc;
  readonly at: readonly PathSegment[];
}

function compileEntries(rc: RecordCompile, entries: readonly SetEntry[], typeName: string, fhirPath: string): RObjectFn {
  const { cx } = rc;
  const direct: SetEntry[] = [];
  const dotted = new Map<string, SetEntry[]>();
  for (const entry of entries) {
    const dot = entry.name.indexOf('.');
    if (dot < 0) direct.push(entry);
    else dotted.set(entry.name.slice(0, dot), [...(dotted.get(entry.name.slice(0, dot)) ?? []), { ...entry, name: entry.name.slice(dot + 1) }]);
  }
  const setters: { key: string; many: boolean; base: string | undefined; fn: RValueFn }[] = [];
  const add = (name: string, at: readonly PathSegment[], compile: (target: RTarget) => RValueFn): void => {
    if (name === 'resourceType') {
      cx.error(at, "resourceType comes from the resource's type:", { target: 'key' });
      return;
    }
    const found = lookupElement(typeName, name);
    if ('error' in found) {
      cx.error(at, `unknown element "${name}" of ${describeOwnerText(typeName, fhirPath)}${cx.suggest(name, found.candidates)}`, { target: 'key' });
      return;
    }
    const el = found.element;
    if (el.openChoice) {
      cx.error(at, `${fhirPath}.${name} is a choice: name the type (${el.choiceBase}${choiceSuffix(el.types[0])} …)`, { target: 'key' });
      return;
    }
    const target: RTarget = { fhirPath: `${fhirPath}.${name}`, type: el.types[0], many: el.isArray, targets: el.targets, binding: el.requiredBinding };
    setters.push({ key: name, many: el.isArray, base: el.choiceBase, fn: compile(target) });
  };
  for (const entry of direct) add(entry.name, entry.at, (target) => compileRule(rc, entry.rule, entry.at, target));
  for (const [head, inner] of dotted) {
    if (direct.some((e) => e.name === head)) {
      cx.error(inner[0].at, `${head} is set both as ${head}: and as ${head}.${inner[0].name}: — write one of the two`, { target: 'key' });
      continue;
    }
    add(head, inner[0].at, (target) => {
      if (!hasElements(target.type)) {
        cx.error(inner[0].at, `${target.fhirPath} is a ${target.type}: it has no parts to set with ${head}.${inner[0].name}`, { target: 'key' });
        return NOTHING;
      }
      const build = compileEntries(rc, inner, target.type, target.fhirPath);
      return (scope, run, out) => {
        const value = build(scope, run);
        if (value !== undefined) out.push(value);
      };
    });
  }
  return (scope, run, seed) => {
    let obj = seed;
    const bases = new Set<string>();
    for (const setter of setters) {
      // two types of one choice (deceasedDateTime, deceasedBoolean): the first written that yields wins
      if (setter.base !== undefined && bases.has(setter.base)) continue;
      const out: unknown[] = [];
      setter.fn(scope, run, out);
      if (out.length === 0) continue;
      if (setter.base !== undefined) bases.add(setter.base);
      (obj ??= {})[setter.key] = setter.many ? out : out[0];
    }
    return obj;
  };
}

/** `when:` — exists / path with in or equals / not / all / any; values compared as text. */
export function compileCondition(rc: RecordCompile, doc: ConditionDoc, at: readonly PathSegment[]): RConditionFn {
  const { cx } = rc;
  const forms = (['exists', 'path', 'not', 'all', 'any', 'expr'] as const).filter((f) => doc[f] !== undefined);
  if (forms.length !== 1) {
    cx.error(at, 'a condition has exactly one of exists, path (with in or equals), not, all, any');
    return () => false;
  }
  const texts = (path: CompiledPath, scope: RecordScope): string[] => {
    const leaves: Leaf[] = [];
    path.read(scope, leaves);
    return leaves.map((l) => leafText(l)).filter((t) => t !== '');
  };
  switch (forms[0]) {
    case 'exists': {
      const path = compilePathAt(rc, doc.exists as string, [...at, 'exists']);
      return (scope) => path !== undefined && texts(path, scope).length > 0;
    }
    case 'path': {
      const path = compilePathAt(rc, doc.path as string, [...at, 'path']);
      if (doc.in === undefined && doc.equals === undefined) cx.error(at, 'path: needs in: [..] or equals: ..');
      const wanted = new Set((doc.in ?? (doc.equals === undefined ? [] : [doc.equals])).map(String));
      return (scope) => {
        if (path === undefined) return false;
        const first = texts(path, scope)[0];
        return first !== undefined && wanted.has(first);
      };
    }
    case 'not': {
      const inner = compileCondition(rc, doc.not as ConditionDoc, [...at, 'not']);
      return (scope, run) => !inner(scope, run);
    }
    case 'all': {
      const parts = (doc.all ?? []).map((c, i) => compileCondition(rc, c, [...at, 'all', i]));
      return (scope, run) => parts.every((p) => p(scope, run));
    }
    case 'any': {
      const parts = (doc.any ?? []).map((c, i) => compileCondition(rc, c, [...at, 'any', i]));
      return (scope, run) => parts.some((p) => p(scope, run));
    }
    case 'expr':
      cx.error([...at, 'expr'], `expr: is for hl7v2 mappings; a ${rc.dialect.kind} mapping compares with exists: or path:`, { target: 'key' });
      return () => false;
    default:
      forms[0] satisfies never;
      return () => false;
  }
}

/** A leaf as text: a string, a number, a person name's Alphabetic group. */
export function leafText(leaf: Leaf): string {
  const v = leaf.value;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null && 'Alphabetic' in v) return pnAlphabetic(v).trim();
  return '';
}
