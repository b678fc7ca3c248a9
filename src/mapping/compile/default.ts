/**
 * `default: { … }`: elements merged into each value a rule produces, where the value has none
 * — the IG's "IF PID-13.2 IS NOT VALUED, telecom.use = home" without a condition per field.
 * Checked against the element's type at load like a constant.
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { copy, INVALID, normaliseValue } from './const.js';
import type { ElementTarget, ValueFn } from '../run/compiled.js';
import { isPrimitiveType } from '../fhir/model.js';

export function compileDefault(cx: CompileContext, doc: Readonly<Record<string, unknown>>, at: readonly PathSegment[], target: ElementTarget, inner: ValueFn): ValueFn {
  const type = target.types[0];
  if (target.openChoice || isPrimitiveType(type)) {
    cx.error(at, `default: merges elements into a value with parts; ${target.fhirPath} is ${target.openChoice ? 'a choice' : `a ${type}`}`, { target: 'key' });
    return inner;
  }
  const normalised = normaliseValue(cx, doc, type, at, target.fhirPath);
  if (normalised === INVALID) return inner;
  const entries = Object.entries(normalised as Record<string, unknown>);
  return (scope, run, out) => {
    const start = out.length;
    inner(scope, run, out);
    for (let i = start; i < out.length; i++) {
      const value = out[i];
      if (typeof value !== 'object' || value === null) continue;
      let merged: Record<string, unknown> | undefined;
      for (const [key, fallback] of entries) {
        if ((value as Record<string, unknown>)[key] !== undefined) continue;
        // Object.assign, not a spread: V8 adds a key to an object made by `{ ...value }` through
        // the runtime (~1 µs, measured), to one filled by Object.assign in a few nanoseconds
        merged ??= Object.assign({}, value as Record<string, unknown>);
        merged[key] = copy(fallback);
      }
      if (merged !== undefined) out[i] = merged;
    }
  };
}
