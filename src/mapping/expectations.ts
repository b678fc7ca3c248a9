/**
 * Expectations of a channel's `tests:` (run by `medibus test`): a FHIRPath expression over the
 * bundles a test input produced, with `equals` (deep equality; a single value compares as
 * itself, not as a one-element list), `exists` and `count`.
 *
 * An expression that begins with a resource type (`Observation.where(…).valueQuantity.value`)
 * is evaluated on each resource of the bundles and the results concatenated; any other
 * (`entry.count()`, `Bundle.entry.request.method`) on each Bundle. FHIRPath uses the R4 model,
 * so choices read as in the spec (`Observation.value`).
 */
import type { Bundle } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import type { TestExpectation } from '../config/index.js';
import { resourceTypeNames } from './fhir/model.js';
import { errorMessage } from '../errors.js';

export interface ExpectationResult {
  readonly expectation: TestExpectation;
  readonly passed: boolean;
  /** what the expression yielded (a single value unwrapped) */
  readonly actual: unknown;
  /** what failed: `equals`, `exists`, `count`, or `expression` (it could not be evaluated) */
  readonly failed: 'equals' | 'exists' | 'count' | 'expression' | undefined;
  /** for a failed expression: why */
  readonly error?: string;
}

export function checkExpectation(bundles: readonly Bundle[], expectation: TestExpectation): ExpectationResult {
  let values: unknown[];
  try {
    values = evaluate(bundles, expectation.path);
  } catch (error) {
    return { expectation, passed: false, actual: undefined, failed: 'expression', error: errorMessage(error) };
  }
  const actual = values.length === 1 ? values[0] : values;
  if (expectation.count !== undefined && values.length !== expectation.count) return { expectation, passed: false, actual: values.length, failed: 'count' };
  if (expectation.exists !== undefined && values.length > 0 !== expectation.exists) return { expectation, passed: false, actual, failed: 'exists' };
  if (expectation.equals !== undefined && !deepEqual(actual, expectation.equals)) return { expectation, passed: false, actual, failed: 'equals' };
  return { expectation, passed: true, actual, failed: undefined };
}

function evaluate(bundles: readonly Bundle[], expression: string): unknown[] {
  const head = /^[A-Z][A-Za-z]*/.exec(expression)?.[0];
  const perResource = head !== undefined && head !== 'Bundle' && resourceTypeNames().includes(head);
  // a JSON copy: fhirpath may annotate what it walks, and bundles share frozen constants
  const copy = JSON.parse(JSON.stringify(bundles)) as Bundle[];
  const compiled = fhirpath.compile(expression, r4);
  const out: unknown[] = [];
  for (const bundle of copy) {
    if (!perResource) {
      out.push(...(compiled(bundle) as unknown[]));
      continue;
    }
    for (const entry of bundle.entry ?? []) {
      if (entry.resource?.resourceType === head) out.push(...(compiled(entry.resource) as unknown[]));
    }
  }
  return out;
}

/** JSON deep equality (key order does not matter; numbers compare as numbers). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((item, i) => deepEqual(item, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const otherKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === otherKeys.length && keys.every((k) => deepEqual(ao[k], bo[k]));
}
