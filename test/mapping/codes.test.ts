/**
 * Code tables (compile-map.ts, tables.ts) and the HL7 null (runtime-read.ts): what a user sees
 * for codes a table holds, codes it lacks under each `unmapped:` policy, and fields sent as "".
 */
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { mapping, message, only } from './support.js';

describe('code tables', () => {
  it('maps a code to a code, a Coding to the target coding, and adds a coding to a CodeableConcept', async () => {
    const { bundle } = await (await mapping('mappings/adt.yaml')).convert(message('adt-a01'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.gender).toBe('female');
    expect(only<Encounter>(bundle, 'Encounter').class).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' });
    expect(patient.maritalStatus?.coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/v2-0002', code: 'M', display: 'Married' },
      { system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' },
    ]);
  });

  it('unmapped: keep places the code as sent, even when the table itself would reject it', async () => {
    const { bundle, warnings } = await (await mapping('unmapped-keep')).convert(message('unmapped-a01'), { validate: false });
    expect(only<Patient>(bundle, 'Patient').gender).toBe('X');
    expect(warnings).toEqual([]);
  });

  it('unmapped: warn keeps the code and says so, naming the field and table', async () => {
    const { bundle, warnings } = await (await mapping('unmapped-warn')).convert(message('unmapped-a01'), { validate: false });
    expect(only<Patient>(bundle, 'Patient').gender).toBe('X');
    expect(warnings).toEqual(['PID-8: code "X" is not in table v2-0001; kept as sent (Patient.gender)']);
  });

  it('unmapped: reject fails the message with the segment, field and code', async () => {
    const convert = (await mapping('unmapped-reject')).convert(message('unmapped-a01'));
    await expect(convert).rejects.toThrow(MedibusError);
    const error = (await convert.catch((e: unknown) => e)) as MedibusError;
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_UNMAPPED_CODE');
    expect(error.message).toBe('PID-8: code "X" is not in table sex-fm (Patient.gender)');
    expect(error.location).toEqual({ segment: 'PID', segmentIndex: 1, field: 8 });
  });
});

describe('the HL7 null ""', () => {
  it('produces no element, never the text ""', async () => {
    const { bundle } = await (await mapping('mappings/adt.yaml')).convert(message('adt-a08-nulls'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.gender).toBeUndefined();
    expect(patient.telecom).toBeUndefined();
    expect(patient.name).toEqual([{ given: ['ELISE'] }]);
    expect(JSON.stringify(bundle)).not.toContain('""');
  });

  it('is not a value for exists: (PID-29 "" lets PID-30 give deceasedBoolean)', async () => {
    const { bundle } = await (await mapping('mappings/adt.yaml')).convert(message('adt-a08-nulls'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.deceasedDateTime).toBeUndefined();
    expect(patient.deceasedBoolean).toBe(false);
  });
});
