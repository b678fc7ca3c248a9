/**
 * The invariant shortcuts of invariants.ts must never disagree with FHIRPath: whenever a
 * shortcut decides, @medplum/core's evaluator must give the same answer. Checked on the R4
 * invariants medibus's resources meet most, and on expressions built to trip a naive reading.
 */
import { evalFhirPathTyped, getDataType, toTypedValue, type TypedValue } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir-server/definitions.js';
import { shortcutOf } from '../../src/fhir/invariants.js';

beforeAll(() => loadFhirDefinitions());

/** value of `type` with exactly the named elements present (each with a plausible value) */
function withElements(type: string, names: readonly string[]): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const elements = getDataType(type).elements;
  for (const name of names) {
    const element = elements[name] ?? elements[`${name}[x]`];
    if (element === undefined) continue;
    const code = element.type[0]?.code ?? 'string';
    const key = elements[name] === undefined ? `${name}${code.charAt(0).toUpperCase()}${code.slice(1)}` : name;
    const one = code === 'boolean' ? true : /^[a-z]/.test(code) ? 'x' : code === 'Extension' ? { url: 'http://x', valueString: 'y' } : { text: 'x' };
    value[key] = element.isArray ? [one] : one;
  }
  return value;
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((subset) => [...subset, item])], [[]]);
}

/** Runs the shortcut and FHIRPath on every combination of the named elements. */
function agreement(type: string, expression: string, names: readonly string[]): { decided: number; wrong: string[] } {
  const shortcut = shortcutOf(expression);
  const wrong: string[] = [];
  let decided = 0;
  for (const present of subsets(names)) {
    const value = withElements(type, present);
    const keys = Object.keys(value);
    const isAbsent = (name: string): boolean => !keys.some((key) => key === name || (key.startsWith(name) && /^[A-Z]/.test(key.slice(name.length))));
    const decision = shortcut?.(isAbsent);
    if (decision === undefined) continue;
    decided++;
    const typed: TypedValue = { type, value };
    const resource = toTypedValue({ resourceType: 'Observation', code: { text: 'x' }, status: 'final' });
    const result = evalFhirPathTyped(expression, [typed], { '%context': typed, '%resource': resource, '%rootResource': resource });
    const holds = result.length === 1 && result[0]?.value === true;
    if (holds !== decision) wrong.push(`[${present.join(', ')}]: shortcut ${decision}, FHIRPath ${holds}`);
  }
  return { decided, wrong };
}

describe('invariant shortcuts', () => {
  it.each([
    ['Patient', 'dom-2', ['contained', 'text']],
    ['Patient', 'dom-4', ['contained', 'meta']],
    ['Patient', 'dom-5', ['contained']],
    ['Observation', 'obs-6', ['dataAbsentReason', 'value', 'component']],
    ['Observation', 'obs-7', ['value', 'component', 'code']],
    ['ObservationReferenceRange', 'obs-3', ['low', 'high', 'text', 'type']],
    ['PatientContact', 'pat-1', ['name', 'telecom', 'address', 'organization', 'gender']],
  ])('%s %s: decided cases match FHIRPath', (type, key, names) => {
    const schema = getDataType(type);
    const constraint = [...(schema.constraints ?? []), ...Object.values(getDataType(type === 'PatientContact' ? 'Patient' : type).elements).flatMap((e) => e.constraints ?? [])].find((c) => c.key === key);
    expect(constraint, key).toBeDefined();
    const { decided, wrong } = agreement(type, constraint!.expression, names);
    expect(wrong).toEqual([]);
    expect(decided).toBeGreaterThan(0);
  });

  it('ext-1 is decided both ways and matches FHIRPath', () => {
    const expression = getDataType('Extension').constraints?.find((c) => c.key === 'ext-1')?.expression ?? '';
    expect(expression).toBe('extension.exists() != value.exists()');
    const { decided, wrong } = agreement('Extension', expression, ['extension', 'value', 'url']);
    expect(wrong).toEqual([]);
    expect(decided).toBe(8);
  });

  it.each([
    ['a filter that is not navigation', "name.where(use = 'official').exists()"],
    ['xor at the top', 'a.empty() xor b.empty()'],
    ['implies at the top', 'a.exists() implies b.exists()'],
    ['a function inside the path', 'name.first().empty()'],
    ['a term that is not decidable in a conjunction', 'a.empty() and b.count() > 1'],
    ['only undecidable disjuncts', "a.count() > 1 or b = 'x'"],
  ])('leaves %s to FHIRPath', (_what, expression) => {
    expect(shortcutOf(expression)).toBeUndefined();
  });

  it('does not read inside parentheses or string literals as the top level', () => {
    const absentAll = (): boolean => true;
    // `a.empty()` is inside where(): a present `x` decides nothing
    expect(shortcutOf('x.where(y or a.empty()).exists()')).toBeUndefined();
    expect(shortcutOf("x = 'a.empty() or' or b.empty()")?.((name) => name !== 'b')).toBeUndefined();
    expect(shortcutOf("x = 'a.empty() or' or b.empty()")?.(absentAll)).toBe(true);
    expect(shortcutOf('(a.empty()) or b.exists()')?.(absentAll)).toBeUndefined();
  });
});
