import { describe, expect, it } from 'vitest';
import { deepFreeze, isRecord } from '../../src/util/objects.js';

describe('isRecord', () => {
  it('is true for objects only: not null, arrays or primitives', () => {
    expect([{}, { a: 1 }, Object.create(null)].map(isRecord)).toEqual([true, true, true]);
    expect([null, undefined, [], [1], 'x', 1, true].map(isRecord)).toEqual([false, false, false, false, false, false, false]);
  });
});

describe('deepFreeze', () => {
  it('freezes every object and array reachable, and returns the value', () => {
    const value = { a: { b: [{ c: 1 }] } };
    expect(deepFreeze(value)).toBe(value);
    expect([value, value.a, value.a.b, value.a.b[0]].every(Object.isFrozen)).toBe(true);
  });

  it('ends on cycles', () => {
    const value: Record<string, unknown> = {};
    value['self'] = { back: value };
    deepFreeze(value);
    expect(Object.isFrozen(value['self'])).toBe(true);
  });

  it('leaves primitives as they are', () => {
    expect(deepFreeze('x')).toBe('x');
    expect(deepFreeze(null)).toBe(null);
  });
});
