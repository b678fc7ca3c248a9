/**
 * validate.ts against the rules of R4 json.html and datatypes.html, and against
 * @medplum/core's validateResource: on valid resources and on broken copies of them, the two
 * must agree whether the resource is valid, except where medibus is stricter on purpose.
 */
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir-server/definitions.js';
import { checkResource } from '../../src/fhir/validate.js';
import { adtTransaction, fixture } from './support.js';

beforeAll(() => loadFhirDefinitions());

type Json = Record<string, unknown>;

function paths(resource: unknown): string[] {
  return checkResource(resource).flatMap((issue) => issue.expression ?? []);
}

function medplumAccepts(resource: unknown): boolean {
  try {
    validateResource(resource as Resource);
    return true;
  } catch (error) {
    if (error instanceof OperationOutcomeError) return false;
    throw error;
  }
}

const samples = (): Json[] => [fixture<Json>('patient.json'), ...(adtTransaction().entry ?? []).map((entry) => entry.resource as unknown as Json)];

describe('checkResource', () => {
  it('accepts valid resources, extensions and primitive extensions included', () => {
    for (const resource of samples()) expect(checkResource(resource), String(resource.resourceType)).toEqual([]);
    expect(checkResource(adtTransaction())).toEqual([]);
  });

  it.each([
    ['a malformed date', { birthDate: '1990-02-30T' }, ['Patient.birthDate']],
    ['an unknown element', { nickname: 'x' }, ['Patient.nickname']],
    ['a choice with an unknown type', { deceasedString: 'yes' }, ['Patient.deceasedString']],
    ['a single value given as an array', { gender: ['male'] }, ['Patient.gender']],
    ['an array given as a single value', { name: { family: 'Lê' } }, ['Patient.name']],
    ['null', { active: null }, ['Patient.active']],
    ['a null in an array without a primitive extension for it', { name: [{ given: ['a', null] }] }, ['Patient.name[0].given[1]']],
    ['an empty array', { telecom: [] }, ['Patient.telecom']],
    ['an empty object', { maritalStatus: {} }, ['Patient.maritalStatus']],
    ['a blank string', { name: [{ family: '  ' }] }, ['Patient.name[0].family']],
    ['a string where a boolean goes', { active: 'true' }, ['Patient.active']],
    ['a fraction where an integer goes', { multipleBirthInteger: 1.5 }, ['Patient.multipleBirthInteger']],
    ['a required element missing (Extension.url)', { extension: [{ valueString: 'x' }] }, ['Patient.extension[0].url']],
    ['an invariant broken (ext-1: value and extensions)', { extension: [{ url: 'http://x', valueString: 'x', extension: [{ url: 'y', valueString: 'z' }] }] }, ['Patient.extension[0]']],
    ['an invariant broken (pat-1: contact with nothing to contact)', { contact: [{ gender: 'female' }] }, ['Patient.contact[0]']],
    ['a bad id (datatypes.html#id)', { id: 'not an id' }, ['Patient.id']],
    ['a bad nested resource', { contained: [{ resourceType: 'Organization', nam: 'x' }] }, ['Patient.contained[0].nam']],
  ])('reports %s at its path', (_what, change, expected) => {
    expect(paths({ resourceType: 'Patient', ...change })).toEqual(expected);
  });

  it('reports an unknown or missing resource type', () => {
    expect(paths({ resourceType: 'Patientt' })).toEqual(['Resource.resourceType']);
    expect(paths({ id: 'x' })).toEqual(['Resource.resourceType']);
    expect(paths([])).toEqual(['Resource']);
  });

  it('reports every problem at once, under the path it is given', () => {
    const issues = checkResource(fixture('patient-invalid.json'), 'Bundle.entry[2].resource');
    expect(issues.flatMap((issue) => issue.expression)).toEqual(['Bundle.entry[2].resource.birthDate', 'Bundle.entry[2].resource.nickname']);
    expect(issues.every((issue) => issue.severity === 'error')).toBe(true);
  });

  it('checks the invariants it shortcuts as FHIRPath would (obs-6: dataAbsentReason with a value)', () => {
    const observation = adtTransaction().entry![3]!.resource as unknown as Json;
    expect(paths({ ...observation, dataAbsentReason: { text: 'not done' } })).toEqual(['Observation']);
    const { valueQuantity: _value, ...withoutValue } = observation;
    expect(paths({ ...withoutValue, dataAbsentReason: { text: 'not done' } })).toEqual([]);
  });
});

describe('checkResource and @medplum/core validateResource', () => {
  const breakages: [string, (resource: Json) => void][] = [
    ['unknown element', (r) => void (r.unknownThing = 1)],
    ['null element', (r) => void (r.language = null)],
    ['bad instant', (r) => void (r.meta = { lastUpdated: '2024-01-01' })],
    ['identifier not an array', (r) => void (r.identifier = { system: 'urn:x', value: 'y' })],
    ['identifier value a number', (r) => void (r.identifier = [{ system: 'urn:x', value: 5 }])],
    ['blank code', (r) => void (r.language = ' ')],
    ['extension without url', (r) => void (r.extension = [{ valueString: 'x' }])],
    ['extension with value and extensions', (r) => void (r.extension = [{ url: 'http://x', valueString: 'x', extension: [{ url: 'http://y', valueString: 'z' }] }])],
    ['narrative without div', (r) => void (r.text = { status: 'generated' })],
    ['valid narrative', (r) => void (r.text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' })],
    ['contained resource', (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o1', name: 'x' }])],
    ['contained with a version (dom-4)', (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o1', name: 'x', meta: { versionId: '1' } }])],
    ['contained with an unknown element', (r) => void (r.contained = [{ resourceType: 'Organization', id: 'o1', nam: 'x' }])],
    ['primitive extension', (r) => void (r._language = { extension: [{ url: 'http://x', valueCode: 'y' }] })],
    ['primitive extension with an unknown element', (r) => void (r._language = { foo: 1 })],
    ['implicitRules as an array', (r) => void (r.implicitRules = ['http://x'])],
  ];

  it('agree on whether each broken copy is valid', () => {
    const disagreements: string[] = [];
    for (const resource of samples()) {
      for (const [what, breakIt] of breakages) {
        const copy = structuredClone(resource);
        breakIt(copy);
        if ((checkResource(copy).length === 0) !== medplumAccepts(copy)) disagreements.push(`${String(resource.resourceType)}: ${what}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('differ where medibus follows json.html and medplum lets it pass: empty arrays, objects and strings', () => {
    const patient: Json = { resourceType: 'Patient', identifier: [], maritalStatus: {}, language: '' };
    expect(medplumAccepts(patient)).toBe(true);
    expect(paths(patient)).toEqual(['Patient.identifier', 'Patient.maritalStatus', 'Patient.language']);
  });

  it('costs far less per resource than medplum on a realistic bundle', () => {
    const bundle: Bundle = fixture('transaction-adt.json');
    const resources = (bundle.entry ?? []).map((entry) => entry.resource);
    const time = (validate: (resource: unknown) => unknown): number => {
      const start = performance.now();
      for (let i = 0; i < 200; i++) for (const resource of resources) validate(resource);
      return performance.now() - start;
    };
    time(checkResource);
    time(medplumAccepts);
    expect(time(checkResource) * 3).toBeLessThan(time(medplumAccepts));
  });
});
