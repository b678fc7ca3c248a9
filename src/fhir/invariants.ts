/**
 * The invariants (ElementDefinition.constraint with severity error) of FHIR R4 resources and
 * elements, evaluated with @medplum/core's FHIRPath engine.
 *
 * Most evaluations are of the domain-resource invariants every resource carries, dom-2,
 * dom-4 and dom-5 (`contained.contained.empty()`, `contained.meta.versionId.empty() and …`,
 * R4 domainresource.html, Constraints), on resources that have no `contained` at all: a third
 * of the validation time went there. Such an expression is decided without FHIRPath: a path
 * that starts at an absent element is empty (FHIRPath §5.1 "Existence": empty() of an empty
 * collection is true), and `x.exists()` is the presence of `x`. A conjunction of such terms
 * holds when each does; a disjunction when one does (obs-3, obs-6, obs-7, pat-1). When they do
 * not, the expression is evaluated: these shortcuts only ever say "true". ext-1
 * (`extension.exists() != value.exists()`, on every extension) is presence arithmetic, decided
 * both ways; FHIRPath spent ~6 µs per extension resolving the 50 choices of `value[x]`.
 * Everything else is evaluated, with the parsed expression cached.
 */
import {
  createConstraintIssue,
  createOperationOutcomeIssue,
  evalFhirPathTyped,
  parseFhirPath,
  type Constraint,
  type FhirPathAtom,
  type TypedValue,
} from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { errorMessage } from '../errors.js';

/** the same list medplum skips (typeschema/validation.ts), so both validators agree */
const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const UCUM: TypedValue = { type: 'uri', value: 'http://unitsofmeasure.org' };
/** `a.exists() != b.exists()` (ext-1 on every extension: a value or nested extensions, not both) */
const EXCLUSIVE = /^([a-z][A-Za-z0-9]*)\.exists\(\) != ([a-z][A-Za-z0-9]*)\.exists\(\)$/;

/** true when `name` (an element name without `[x]`) has no value in the object checked */
export type IsAbsent = (name: string) => boolean;

/** the expression's value decided without evaluating it; undefined when it cannot tell */
type Shortcut = (isAbsent: IsAbsent) => boolean | undefined;

interface Compiled {
  readonly atom: FhirPathAtom;
  readonly shortcut: Shortcut | undefined;
}

const compiled = new Map<string, Compiled>();

export interface InvariantContext {
  /** the resource being validated, for `%rootResource`; a function, as it is rarely needed */
  readonly root: () => TypedValue;
  /** the innermost resource around the value (a contained one inside its container), for `%resource` */
  readonly resource: TypedValue | undefined;
}

const active = new WeakMap<readonly Constraint[], readonly Constraint[]>();
const NONE: readonly Constraint[] = [];

/** The constraints that are checked: severity error, not skipped. Cached per list. */
export function activeInvariants(constraints: readonly Constraint[] | undefined): readonly Constraint[] {
  if (constraints === undefined) return NONE;
  let list = active.get(constraints);
  if (list === undefined) {
    list = constraints.filter((constraint) => constraint.severity === 'error' && !SKIPPED.has(constraint.key));
    active.set(constraints, list.length === 0 ? NONE : list);
  }
  return list;
}

/** Evaluates `constraints` (from activeInvariants) on `value`; adds an issue per failed one. */
export function checkInvariants(
  constraints: readonly Constraint[],
  value: TypedValue,
  path: string,
  context: InvariantContext,
  issues: OperationOutcomeIssue[],
  isAbsent?: IsAbsent,
): void {
  for (const constraint of constraints) {
    const { atom, shortcut } = compile(constraint.expression);
    const decided = isAbsent === undefined ? undefined : shortcut?.(isAbsent);
    if (decided === true) continue;
    if (decided === false) {
      issues.push(createConstraintIssue(path, constraint));
      continue;
    }
    const variables: Record<string, TypedValue> = { '%context': value, '%ucum': UCUM, '%rootResource': context.root() };
    if (context.resource !== undefined) variables['%resource'] = context.resource;
    try {
      const result = evalFhirPathTyped(atom, [value], variables);
      if (result.length !== 1 || result[0]?.value !== true) issues.push(createConstraintIssue(path, constraint));
    } catch (error) {
      const message = errorMessage(error);
      issues.push(createOperationOutcomeIssue('error', 'processing', `Error evaluating invariant ${constraint.key}: ${message}`, path));
    }
  }
}

function compile(expression: string): Compiled {
  let entry = compiled.get(expression);
  if (entry === undefined) {
    entry = { atom: parseFhirPath(expression), shortcut: shortcutOf(expression) };
    compiled.set(expression, entry);
  }
  return entry;
}

/** a term decided by presence: `name.exists()` holds when `name` is there, `name.….empty()` when it is not */
interface Term {
  readonly name: string;
  readonly holdsWhen: 'absent' | 'present';
}

/** exported for tests */
export function shortcutOf(expression: string): Shortcut | undefined {
  const exclusive = EXCLUSIVE.exec(expression);
  if (exclusive !== null) {
    const [, left = '', right = ''] = exclusive;
    return (isAbsent) => isAbsent(left) !== isAbsent(right);
  }
  const holds = (term: Term, isAbsent: IsAbsent): boolean => isAbsent(term.name) === (term.holdsWhen === 'absent');
  const disjuncts = splitTopLevel(expression, ' or ');
  if (disjuncts === undefined) return undefined;
  if (disjuncts.length > 1) {
    const terms = disjuncts.map(termOf).filter((term) => term !== undefined);
    if (terms.length === 0) return undefined;
    return (isAbsent) => (terms.some((term) => holds(term, isAbsent)) ? true : undefined);
  }
  const conjuncts = splitTopLevel(expression, ' and ');
  const terms = conjuncts?.map(termOf);
  if (terms === undefined || terms.some((term) => term === undefined)) return undefined;
  const decided = terms as Term[];
  return (isAbsent) => (decided.every((term) => holds(term, isAbsent)) ? true : undefined);
}

/**
 * `name.exists()`, or `name` followed by element steps and `where(…)` filters, then
 * `.empty()`: navigating or filtering an empty collection gives an empty one (FHIRPath §3
 * "Path selection", §5.2 where()), so such a term is true when `name` is absent, whatever the
 * steps (obs-7's `component.code.where(…).empty()`). Other functions are not decided here.
 */
function termOf(text: string): Term | undefined {
  const term = text.trim();
  const exists = /^([a-z][A-Za-z0-9]*)\.exists\(\)$/.exec(term);
  if (exists !== null) return { name: exists[1]!, holdsWhen: 'present' };
  if (!term.endsWith('.empty()')) return undefined;
  const path = term.slice(0, -'.empty()'.length);
  const head = /^[a-z][A-Za-z0-9]*/.exec(path)?.[0];
  if (head === undefined) return undefined;
  let i = head.length;
  while (i < path.length) {
    if (path.startsWith('.where(', i)) {
      const close = closingParen(path, i + '.where'.length);
      if (close < 0) return undefined;
      i = close + 1;
      continue;
    }
    const step = /^\.[a-z][A-Za-z0-9]*/.exec(path.slice(i))?.[0];
    if (step === undefined || path[i + step.length] === '(') return undefined;
    i += step.length;
  }
  return { name: head, holdsWhen: 'absent' };
}

/** index of the `)` closing the `(` at `open`, skipping string literals; -1 if none */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Splits at `operator` outside parentheses and string literals. Undefined when the expression
 * has an operator of another precedence at the top (`xor`, `implies`), where the split would
 * not follow FHIRPath's grammar (§6.5: `and` binds tighter than `or`, `xor`, `implies`).
 */
function splitTopLevel(expression: string, operator: ' or ' | ' and '): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
      continue;
    }
    if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      if (expression.startsWith(' xor ', i) || expression.startsWith(' implies ', i)) return undefined;
      if (expression.startsWith(operator, i)) {
        parts.push(expression.slice(start, i));
        start = i + operator.length;
        i = start - 1;
      }
    }
  }
  parts.push(expression.slice(start));
  return parts;
}
