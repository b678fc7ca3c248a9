/**
 * `value:` constants and `default:` merges, checked against the FHIR type at load: a string
 * where FHIR wants a string, a number for a decimal, an object whose keys are elements of the
 * type (all the way down), a list only for a list element.
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { describeOwner, NOTHING, type ElementTarget, type ValueFn } from '../run/compiled.js';
import { choiceSuffix, isPrimitiveType, lookupElement, requiredCodes } from '../fhir/model.js';

const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

export function compileConstant(cx: CompileContext, value: unknown, at: readonly PathSegment[], target: ElementTarget): ValueFn {
  if (target.openChoice) {
    cx.error(at, `${target.fhirPath} is a choice of ${target.types.join(', ')}: name the type of the constant (e.g. ${target.choiceBase}String: { value: … })`);
    return NOTHING;
  }
  const type = target.types[0];
  if (Array.isArray(value)) {
    if (!target.many) {
      cx.error(at, `type mismatch: ${target.fhirPath} holds one value, got a list`);
      return NOTHING;
    }
    const items = value.map((item, i) => normaliseValue(cx, item, type, [...at, i], target.fhirPath));
    if (items.includes(INVALID)) return NOTHING;
    return (_scope, _run, out) => {
      for (const item of items) out.push(copy(item));
    };
  }
  const normalised = normaliseValue(cx, value, type, at, target.fhirPath);
  if (normalised === INVALID) return NOTHING;
  if (target.binding !== undefined && typeof normalised === 'string') {
    const codes = requiredCodes(target.binding);
    if (codes !== undefined && !codes.has(normalised)) {
      const allowed = [...codes];
      cx.error(at, `"${normalised}" is not a code of ${target.binding.split('|')[0]}, which ${target.fhirPath} requires: ${allowed.join(', ')}${cx.suggest(normalised, allowed)}`);
      return NOTHING;
    }
  }
  if (typeof normalised !== 'object' || normalised === null) return (_scope, _run, out) => void out.push(normalised);
  return (_scope, _run, out) => void out.push(copy(normalised));
}

export const INVALID: unique symbol = Symbol('invalid');

/**
 * Checks a constant against a FHIR type, reporting every wrong spot; returns it with single
 * values of list elements wrapped in a list (`coding: { code: x }` → `coding: [{ code: x }]`,
 * as FHIR JSON requires), or INVALID.
 */
export function normaliseValue(cx: CompileContext, value: unknown, type: string, at: readonly PathSegment[], fhirPath: string): unknown {
  if (value === null || value === undefined) {
    cx.error(at, `type mismatch: ${fhirPath} needs a value, got nothing`);
    return INVALID;
  }
  if (isPrimitiveType(type)) {
    const fits =
      type === 'boolean' ? typeof value === 'boolean'
      : INTEGER_TYPES.has(type) ? typeof value === 'number' && Number.isInteger(value)
      : type === 'decimal' ? typeof value === 'number'
      : typeof value === 'string';
    if (!fits) cx.error(at, `type mismatch: ${fhirPath} is a ${type}, got ${describe(value)}`);
    return fits ? value : INVALID;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    cx.error(at, `type mismatch: ${fhirPath} is a ${type}, which has elements; got ${describe(value)} (write it as a mapping, e.g. { text: … })`);
    return INVALID;
  }
  let ok = true;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const found = lookupElement(type, key);
    if ('error' in found) {
      cx.error([...at, key], `unknown element "${key}" of ${describeOwner(type, fhirPath)}${cx.suggest(key, found.candidates)}`, { target: 'key' });
      ok = false;
      continue;
    }
    const element = found.element;
    const path = `${fhirPath}.${key}`;
    if (element.openChoice) {
      cx.error([...at, key], `${path} is a choice: name the type (${element.choiceBase}${choiceSuffix(element.types[0])} …)`, { target: 'key' });
      ok = false;
    } else if (Array.isArray(item)) {
      if (!element.isArray) {
        cx.error([...at, key], `type mismatch: ${path} holds one value, got a list`);
        ok = false;
      } else {
        const items = item.map((v, i) => normaliseValue(cx, v, element.types[0], [...at, key, i], path));
        if (items.includes(INVALID)) ok = false;
        out[key] = items;
      }
    } else {
      const v = normaliseValue(cx, item, element.types[0], [...at, key], path);
      if (v === INVALID) ok = false;
      out[key] = element.isArray ? [v] : v;
    }
  }
  return ok ? out : INVALID;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

/** Constants are frozen at load and shared; each resource gets its own copy. */
export function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out as T;
  }
  // for…in, not Object.entries: no array per level (a constant is a plain object: no inherited keys)
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = copy((value as Record<string, unknown>)[k]);
  return out as T;
}
