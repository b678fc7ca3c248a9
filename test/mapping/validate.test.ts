/**
 * Every resource is validated against the R4 profiles (validate.ts): an invalid one fails the
 * message with each issue at its FHIR path — never a silent drop, never a bundle the server
 * would refuse later.
 */
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { readablePath } from '../../src/mapping/run/validate-bundle.js';
import { mapping, message } from './support.js';

describe('FHIR validation', () => {
  it('fails the message listing every issue with its FHIR path and source segment', async () => {
    const error = (await (await mapping('invalid-fhir')).convert(message('oru-r01-groups')).catch((e: unknown) => e)) as MedibusError;
    expect(error).toBeInstanceOf(MedibusError);
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_INVALID_FHIR');
    expect(error.message.split('\n').slice(0, 5)).toEqual([
      'the mapping produced invalid FHIR R4:',
      '  Observation[0].valueQuantity.value: Invalid JSON type: expected number, but got string (from OBX)',
      '  Observation[0].status: Missing required property (from OBX)',
      '  Observation[1].valueQuantity.value: Invalid JSON type: expected number, but got string (from OBX[2])',
      '  Observation[1].status: Missing required property (from OBX[2])',
    ]);
    expect(error.location).toEqual({ fhirPath: 'Observation[0].valueQuantity.value' });
  });

  it('can be turned off per call (a channel that opts out, the benchmark)', async () => {
    const { bundle } = await (await mapping('invalid-fhir')).convert(message('oru-r01-groups'), { validate: false });
    expect(bundle.entry).toHaveLength(4);
  });

  it('names the choice element actually present instead of value[x]', () => {
    expect(readablePath({ resourceType: 'Observation', valueQuantity: { value: 'x' } }, 'Observation.value[x].value', 3)).toBe('Observation[3].valueQuantity.value');
    expect(readablePath({ resourceType: 'Patient', name: [{}, { given: [''] }] }, 'Patient.name[1].given[0]', 0)).toBe('Patient[0].name[1].given[0]');
  });
});
