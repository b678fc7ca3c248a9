/**
 * Value rules (docs/mapping-language.md, "Value rules"): the form is decided and checked
 * against the target element once, here; what runs per message is the closure returned.
 * Forms: a path string, { from }, { value }, { ref }, { first }, { join }, { set },
 * { convert }, { expr }; modifiers when, forEach, default and (on from) type, map, unmapped,
 * all. A list of rules, for a list element, concatenates their values.
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { compileCondition } from './condition.js';
import { compileConstant } from './const.js';
import { compileExpr } from './expr.js';
import { compileForEach } from './foreach.js';
import { compileFrom } from './from.js';
import { describeTypes, NOTHING, type ElementTarget, type ValueFn } from '../run/compiled.js';
import { compileDefault } from './default.js';
import { compileSet } from './set.js';
import { hasElements } from '../fhir/model.js';
import { PENDING } from '../run/context.js';
import type { RuleDoc, RuleObjectDoc } from '../language/types.js';

const FORMS = ['from', 'value', 'ref', 'first', 'join', 'set', 'convert', 'expr'] as const;
type Form = (typeof FORMS)[number];
const FROM_ONLY = ['type', 'map', 'unmapped'] as const;
const TEXT_TYPES = new Set(['string', 'markdown', 'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid']);

export function compileRule(cx: CompileContext, doc: RuleDoc, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  if (typeof doc === 'string') return compileFrom(cx, { from: doc }, at, [...at], target);
  if (Array.isArray(doc)) {
    if (!target.many) {
      cx.error(at, `${target.fhirPath} holds one value; a list of rules is for list elements (use first: [...] to try rules in order)`);
      return NOTHING;
    }
    const rules = doc.map((item: RuleDoc, i) => compileRule(cx, item, [...at, i], target));
    return (scope, run, out) => {
      for (let i = 0; i < rules.length; i++) rules[i](scope, run, out);
    };
  }
  if (typeof doc !== 'object' || doc === null) {
    cx.error(at, `expected an HL7 path like PID-3, or { value: ${doc === null ? 'x' : JSON.stringify(doc)} } for a constant; got ${doc === null ? 'nothing' : `${typeof doc} ${JSON.stringify(doc)}`}`);
    return NOTHING;
  }
  return compileObject(cx, doc as RuleObjectDoc, at, target);
}

function compileObject(cx: CompileContext, doc: RuleObjectDoc, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  const forms = FORMS.filter((f) => doc[f] !== undefined);
  if (forms.length !== 1) {
    cx.error(
      at,
      forms.length === 0
        ? `a rule needs one of ${FORMS.join(', ')}`
        : `a rule has exactly one of ${FORMS.join(', ')}; this one has ${forms.join(' and ')}`,
    );
    return NOTHING;
  }
  const form = forms[0];
  if (form !== 'from') {
    for (const key of FROM_ONLY) if (doc[key] !== undefined) cx.error([...at, key], `${key} applies to from: rules only`, { target: 'key' });
  }
  if (doc.with !== undefined && form !== 'join') cx.error([...at, 'with'], 'with is the separator of join:', { target: 'key' });
  if (doc.all !== undefined && form !== 'from' && form !== 'ref') cx.error([...at, 'all'], 'all applies to from: and ref: rules', { target: 'key' });
  if (doc.all === true && !target.many && !target.joinPart) cx.error([...at, 'all'], `${target.fhirPath} holds one value; all: true is for list elements and join: parts`, { target: 'key' });

  // all: false narrows a list element to the first value; all: true widens a join part to every value
  const narrowed: ElementTarget = doc.all === undefined ? target : { ...target, many: doc.all };
  let fn = compileForm(cx, form, doc, at, narrowed);
  if (doc.default !== undefined) fn = compileDefault(cx, doc.default, [...at, 'default'], target, fn);
  if (doc.when !== undefined) {
    const when = compileCondition(cx, doc.when, [...at, 'when']);
    const inner = fn;
    fn = (scope, run, out) => {
      if (when(scope, run)) inner(scope, run, out);
    };
  }
  if (doc.forEach !== undefined) {
    const iterate = compileForEach(cx, doc.forEach, [...at, 'forEach']);
    const inner = fn;
    // all: narrows or widens the rule, its iterations included (a join part with all: true
    // takes every OBX's value, not only the first OBX's)
    const many = narrowed.many;
    if (iterate !== undefined) {
      fn = (scope, run, out) => {
        const scopes = iterate(scope, run);
        for (let i = 0; i < scopes.length && (many || out.length === 0); i++) inner(scopes[i], run, out);
      };
    }
  }
  return fn;
}

function compileForm(cx: CompileContext, form: Form, doc: RuleObjectDoc, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  switch (form) {
    case 'from':
      return compileFrom(cx, doc, at, [...at, 'from'], target);
    case 'value':
      return compileConstant(cx, doc.value, [...at, 'value'], target);
    case 'ref':
      return compileRef(cx, doc.ref as string, [...at, 'ref'], target);
    case 'first': {
      const rules = (doc.first ?? []).map((r, i) => compileRule(cx, r, [...at, 'first', i], target));
      return (scope, run, out) => {
        for (let i = 0; i < rules.length; i++) {
          const before = out.length;
          rules[i](scope, run, out);
          if (out.length > before) return;
        }
      };
    }
    case 'join':
      return compileJoin(cx, doc, at, target);
    case 'set': {
      const type = target.types[0];
      if (target.openChoice || !hasElements(type)) {
        cx.error([...at, 'set'], `set: builds an element with parts; ${target.fhirPath} is ${target.openChoice ? 'a choice: name the type (valueQuantity: …)' : `a ${type}: give it a value`}`, { target: 'key' });
        return NOTHING;
      }
      const build = compileSet(cx, doc.set ?? {}, [...at, 'set'], type, target.fhirPath);
      return (scope, run, out) => {
        const value = build(scope, run);
        if (value !== undefined) out.push(value);
      };
    }
    case 'convert':
      return compileConvert(cx, doc.convert as string, [...at, 'convert'], target);
    case 'expr': {
      const expr = compileExpr(cx, doc.expr as string, [...at, 'expr']);
      if (expr === undefined) return NOTHING;
      const many = target.many;
      return (scope, run, out) => {
        const value = run.expression(expr.id, scope, () => expr.evaluate(scope));
        if (value === PENDING || value === undefined || value === null) return;
        if (Array.isArray(value)) {
          for (const item of value) if (item !== undefined && item !== null && (many || out.length === 0)) out.push(item);
        } else {
          out.push(value);
        }
      };
    }
    default:
      form satisfies never;
      return NOTHING;
  }
}

function compileRef(cx: CompileContext, name: string, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  if (!target.types.includes('Reference')) {
    cx.error(at, `type mismatch: ref: gives a Reference, but ${target.fhirPath} is ${describeTypes(target)}`);
    return NOTHING;
  }
  const type = cx.resources.get(name);
  if (type === undefined) {
    const names = [...cx.resources.keys()];
    cx.error(at, `unknown resource "${name}" in ref:; the mapping names ${names.join(', ')}${cx.suggest(name, names)}`);
    return NOTHING;
  }
  if (target.targets.length > 0 && !target.targets.includes(type)) {
    cx.error(at, `type mismatch: ${target.fhirPath} can reference ${target.targets.join(', ')}, but ${name} is ${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`);
    return NOTHING;
  }
  const many = target.many;
  return (scope, run, out) => run.resolve(name, scope, many, out);
}

function compileJoin(cx: CompileContext, doc: RuleObjectDoc, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  const type = target.types[0];
  // into a base64Binary (Attachment.data) the joined text is sent as UTF-8, base64-encoded:
  // a report sent as TX/FT lines becomes one text/plain attachment (IG OBX[DocumentReference])
  const base64 = type === 'base64Binary' && !target.openChoice;
  if (target.openChoice || (!TEXT_TYPES.has(type) && !base64)) {
    cx.error([...at, 'join'], `type mismatch: join: gives text, but ${target.fhirPath} is ${describeTypes(target)}`, { target: 'key' });
    return NOTHING;
  }
  const text: ElementTarget = { fhirPath: target.fhirPath, types: ['string'], many: false, openChoice: false, targets: [], joinPart: true };
  const parts = (doc.join ?? []).map((r, i) => compileRule(cx, r, [...at, 'join', i], text));
  const separator = doc.with ?? ' ';
  return (scope, run, out) => {
    const values: unknown[] = [];
    for (let i = 0; i < parts.length; i++) parts[i](scope, run, values);
    let joined = '';
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const s = String(v).trim();
      if (s !== '') joined = joined === '' ? s : joined + separator + s;
    }
    if (joined !== '') out.push(base64 ? Buffer.from(joined, 'utf8').toString('base64') : joined);
  };
}

function compileConvert(cx: CompileContext, name: string, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  const conversion = cx.conversions.segmentConversions.get(name);
  if (conversion === undefined) {
    const names = [...cx.conversions.segmentConversions.keys()];
    cx.error(at, `unknown conversion "${name}"; known: ${names.join(', ') || 'none'}${cx.suggest(name, names)}`);
    return NOTHING;
  }
  const choice = target.openChoice || target.choiceBase !== undefined;
  if (conversion.result === 'choice' && !choice) {
    cx.error(at, `type mismatch: ${name} picks the type of a choice element (value[x]); ${target.fhirPath} is ${describeTypes(target)}`);
    return NOTHING;
  }
  const concrete = conversion.result === 'choice' && !target.openChoice ? target.types[0] : undefined;
  const many = target.many;
  return (scope, run, out) => {
    const seg = scope.segment(conversion.segment);
    if (seg === undefined) return;
    run.at(seg, undefined);
    let value: unknown;
    try {
      value = conversion.convert(seg, run);
    } catch (error) {
      throw run.error('MEDIBUS_ERR_MAPPING_RUNTIME', `conversion ${name} failed: ${(error as Error).message}`, error);
    }
    if (value === undefined || value === null) return;
    if (concrete !== undefined) {
      // valueQuantity: { convert: obx-value } takes the value only when the conversion chose Quantity
      const v = value as { type?: string; value?: unknown };
      if (v.type === concrete && v.value !== undefined) out.push(v.value);
      return;
    }
    if (conversion.result === 'list' && Array.isArray(value)) {
      for (const item of value) if (many || out.length === 0) out.push(item);
      return;
    }
    out.push(value);
  };
}
