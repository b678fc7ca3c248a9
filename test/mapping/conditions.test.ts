/**
 * `when:` conditions (compile-condition.ts) on elements and on whole resources.
 */
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { mapping, message, only, resources } from './support.js';

describe('conditions', () => {
  it('path + equals, path + in, any, all, not, exists', async () => {
    const { bundle } = await (await mapping('conditions')).convert(message('rules-a01'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.active).toBe(true); // PID-8 equals X
    expect(patient.gender).toBe('other'); // any: PID-8 in [X, U]
    expect(patient.multipleBirthBoolean).toBeUndefined(); // all: PID-24 is empty
    expect(patient.birthDate).toBeUndefined(); // not: PID-7 equals 19720415 (a YAML number compares as text)
    expect(patient.deceasedBoolean).toBe(true); // exists: PID-3[2]
  });

  it('on a resource, decides whether it is produced at all', async () => {
    const { bundle } = await (await mapping('conditions')).convert(message('rules-a01'));
    expect(resources(bundle, 'Encounter')).toEqual([]); // PV1-2 is I, not O
  });
});
