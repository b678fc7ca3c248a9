import { describe, expect, it } from 'vitest';
import { CodeTable } from '../../../src/mapping/terminology/index.js';

describe('CodeTable', () => {
  const table = new CodeTable({
    id: 'sex',
    source: 'HL70001',
    target: 'http://hl7.org/fhir/administrative-gender',
    codes: { F: 'female', M: { code: 'male', display: 'Male' }, X: { code: 'UNK', system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor' } },
  });

  it('normalises the source to a URI and defaults unmapped to keep', () => {
    expect(table.source).toBe('http://terminology.hl7.org/CodeSystem/v2-0001');
    expect(table.unmapped).toBe('keep');
    expect(table.size).toBe(3);
  });

  it('gives the table target as system unless an entry names its own', () => {
    expect(table.lookup('F')).toEqual({ code: 'female', system: 'http://hl7.org/fhir/administrative-gender' });
    expect(table.lookup('M')).toEqual({ code: 'male', system: 'http://hl7.org/fhir/administrative-gender', display: 'Male' });
    expect(table.lookup('X')).toEqual({ code: 'UNK', system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor' });
  });

  it('is exact: codes are case-sensitive (v2 tables are) and unknown codes are undefined', () => {
    expect(table.lookup('f')).toBeUndefined();
    expect(table.lookup('U')).toBeUndefined();
    expect(table.lookup('constructor')).toBeUndefined();
  });

  it('matches the sender’s system by name or URI, and ignores an empty one', () => {
    expect(table.lookup('F', 'HL70001')).toBeDefined();
    expect(table.lookup('F', 'http://terminology.hl7.org/CodeSystem/v2-0001')).toBeDefined();
    expect(table.lookup('F', '')).toBeDefined();
    expect(table.lookup('F', '99SEX')).toBeUndefined();
  });

  it('returns the same frozen object every time (no allocation per lookup)', () => {
    const a = table.lookup('F');
    expect(table.lookup('F')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('without source or target, looks up any system and adds no system', () => {
    const plain = new CodeTable({ id: 'p', codes: { A: 'b' } });
    expect(plain.lookup('A', 'ANY')).toEqual({ code: 'b' });
  });
});
