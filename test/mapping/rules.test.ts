/**
 * Value rules and their modifiers (compile-value.ts, compile-from.ts, compile-set.ts,
 * compile-const.ts, compile-default.ts), as the resources of rules.yaml show them.
 */
import type { Encounter, Patient, Practitioner } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConvertResult } from '../../src/mapping/index.js';
import { mapping, message, only, resolve } from './support.js';

let result: ConvertResult;
let patient: Patient;

beforeAll(async () => {
  result = await (await mapping('rules')).convert(message('rules-a01'));
  patient = only<Patient>(result.bundle, 'Patient');
});

describe('value rules', () => {
  it('a path fills a list element with every repetition, and all: false keeps the first', () => {
    expect(patient.name?.slice(0, 2)).toEqual([
      { family: 'SMITH', given: ['ANNA', 'MARIA'] },
      { family: 'SMITH', given: ['ANNIE'] },
    ]);
    expect(patient.identifier?.map((i) => i.value)).toEqual(['MRN1']);
  });

  it('set: builds a nested element, and join: joins the first value of each part', () => {
    expect(patient.name?.[2]).toEqual({ text: 'ANNA MARIA SMITH', use: 'usual' });
  });

  it('set: leaves out an element whose rules all came out empty', () => {
    expect(patient.contact).toBeUndefined();
  });

  it('first: falls back to the next rule when a condition fails', () => {
    // PID-8 is X, which the when: of the first rule excludes
    expect(patient.gender).toBe('unknown');
  });

  it('default: fills what the converted value lacks, and keeps what it has', () => {
    expect(patient.telecom?.map((t) => [t.use, t.rank, t.value])).toEqual([
      ['home', 1, '+1 217 5550143'],
      ['mobile', 1, '+1 217 5550144'],
    ]);
  });

  it('value: places a constant, a single coding written as a list as FHIR wants', () => {
    expect(patient.maritalStatus).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] });
    expect(patient.active).toBe(true);
  });

  it('when: leaves the element out when the condition does not hold', () => {
    expect(patient.multipleBirthBoolean).toBeUndefined();
  });

  it('two types of one choice: the first rule written wins', () => {
    expect(patient.deceasedDateTime).toBe('2024-01-01T12:00:00-05:00');
    expect(patient.deceasedBoolean).toBeUndefined();
  });

  it('a.b: keys share one element', () => {
    expect(patient.communication).toEqual([{ language: { text: 'English' }, preferred: true }]);
  });

  it('forEach over a field makes one element per repetition', () => {
    const encounter = only<Encounter>(result.bundle, 'Encounter');
    const names = encounter.participant?.map((p) => (resolve(result.bundle, p.individual?.reference)?.resource as Practitioner).name?.[0]?.family);
    expect(names).toEqual(['HOUSE', 'WILSON']);
    expect(encounter.period).toEqual({ start: '2024-03-12T07:15:00-05:00' });
  });

  it('type: chooses the v2 datatype read (PV1-2 as IS)', () => {
    expect(only<Encounter>(result.bundle, 'Encounter').class).toEqual({ code: 'I' });
  });

  it('codeSystems: gives a local coding system (CWE.3 L) its URI', () => {
    expect(only<Encounter>(result.bundle, 'Encounter').type).toEqual([{ coding: [{ system: 'http://hospital.example.org/admission-types', code: 'EM', display: 'Emergency' }] }]);
  });

  it('ref: points to the resource\'s entry', () => {
    const encounter = only<Encounter>(result.bundle, 'Encounter');
    expect(resolve(result.bundle, encounter.subject?.reference)?.resource).toBe(patient);
  });
});
