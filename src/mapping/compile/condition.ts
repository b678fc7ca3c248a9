/**
 * `when:` conditions. Comparisons read the first value at the path as text (unescaped); a
 * value is "there" when it is neither empty nor the HL7 null `""` — the IG's "IS VALUED".
 * A JSONata condition holds only when the expression yields true (not merely a truthy value),
 * and counts as false while its value is still being computed (runtime-convert.ts).
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { compileExpr } from './expr.js';
import type { ConditionFn } from '../run/compiled.js';
import { PENDING } from '../run/context.js';
import { compileReader } from '../hl7v2/read.js';
import type { ConditionDoc } from '../language/types.js';

const FORMS = ['exists', 'path', 'not', 'all', 'any', 'expr'] as const;
const NEVER: ConditionFn = () => false;

export function compileCondition(cx: CompileContext, doc: ConditionDoc, at: readonly PathSegment[]): ConditionFn {
  const forms = FORMS.filter((f) => doc[f] !== undefined);
  if (forms.length !== 1) {
    const message =
      forms.length === 0
        ? 'a condition needs one of exists, path (with in or equals), not, all, any, expr'
        : `a condition has exactly one of exists, path, not, all, any, expr; this one has ${forms.join(' and ')} (combine conditions with all: or any:)`;
    cx.error(at, message);
    return NEVER;
  }
  if (doc.path === undefined && (doc.in !== undefined || doc.equals !== undefined)) {
    cx.error(at, 'in and equals compare the value at path: add path:');
    return NEVER;
  }
  switch (forms[0]) {
    case 'exists': {
      const path = cx.path(doc.exists as string, [...at, 'exists']);
      if (path === undefined) return NEVER;
      const reader = compileReader(path);
      return (scope) => reader.presence(scope) === 'present';
    }
    case 'path': {
      const path = cx.path(doc.path as string, [...at, 'path']);
      if (doc.in === undefined && doc.equals === undefined) {
        cx.error(at, 'path needs in: [..] or equals: to compare with (or write exists: to test for a value)');
        return NEVER;
      }
      if (doc.in !== undefined && doc.equals !== undefined) {
        cx.error(at, 'write either in: or equals:, not both');
        return NEVER;
      }
      if (path === undefined) return NEVER;
      const reader = compileReader(path);
      if (doc.equals !== undefined) {
        const expected = String(doc.equals);
        return (scope) => reader.text(scope) === expected;
      }
      const allowed = new Set((doc.in ?? []).map(String));
      return (scope) => allowed.has(reader.text(scope));
    }
    case 'not': {
      const inner = compileCondition(cx, doc.not as ConditionDoc, [...at, 'not']);
      return (scope, run) => !inner(scope, run);
    }
    case 'all': {
      const inner = (doc.all ?? []).map((c, i) => compileCondition(cx, c, [...at, 'all', i]));
      return (scope, run) => inner.every((c) => c(scope, run));
    }
    case 'any': {
      const inner = (doc.any ?? []).map((c, i) => compileCondition(cx, c, [...at, 'any', i]));
      return (scope, run) => inner.some((c) => c(scope, run));
    }
    case 'expr': {
      const expr = compileExpr(cx, doc.expr as string, [...at, 'expr']);
      if (expr === undefined) return NEVER;
      return (scope, run) => {
        const value = run.expression(expr.id, scope, () => expr.evaluate(scope));
        return value !== PENDING && value === true;
      };
    }
    default:
      forms[0] satisfies never;
      return NEVER;
  }
}
