import { describe, expect, it } from 'vitest';
import { knownCodingSystem, lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, rep } from './support.js';

const cc = lookupConverter('CodeableConcept')!;
const coding = lookupConverter('Coding')!;
const code = lookupConverter('code')!;
const str = lookupConverter('string', 'CWE')!;

/** IG CWE[CodeableConcept] rows; HL7 v2.5.1 §2.A.13. */
describe('CWE → CodeableConcept', () => {
  it('maps both triplets, versions and original text', () => {
    const value = cc(rep('718-7^Hemoglobin^LN^HGB^Hb^L^2.76^v1^Huyết sắc tố'), context());
    expect(value).toEqual({
      coding: [
        { system: 'http://loinc.org', version: '2.76', code: '718-7', display: 'Hemoglobin' },
        { system: 'urn:medibus:local:L', version: 'v1', code: 'HGB', display: 'Hb' },
      ],
      text: 'Huyết sắc tố',
    });
    expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: value })).toEqual([]);
  });

  it('maps the second alternate triplet CWE.10–13 as a third coding', () => {
    expect(cc(rep('1^A^LN^^^^^^^X9^Other^99ZZZ^3'), context())).toEqual({
      coding: [
        { system: 'http://loinc.org', code: '1', display: 'A' },
        { system: 'urn:medibus:local:99ZZZ', version: '3', code: 'X9', display: 'Other' },
      ],
    });
  });

  it.each([
    ['LN', 'http://loinc.org'],
    ['SCT', 'http://snomed.info/sct'],
    ['SNM', 'http://snomed.info/sct'],
    ['I10', 'http://hl7.org/fhir/sid/icd-10'],
    ['I10C', 'http://hl7.org/fhir/sid/icd-10-cm'],
    ['UCUM', 'http://unitsofmeasure.org'],
    ['HL70078', 'http://terminology.hl7.org/CodeSystem/v2-0078'],
    ['HL70203', 'http://terminology.hl7.org/CodeSystem/v2-0203'],
    ['HL7283', 'http://terminology.hl7.org/CodeSystem/v2-0283'],
    ['CVX', 'http://hl7.org/fhir/sid/cvx'],
    ['urn:oid:2.16.840.1.113883.6.1', 'urn:oid:2.16.840.1.113883.6.1'],
  ])('coding system %s → %s', (name, uri) => {
    expect(knownCodingSystem(name)).toBe(uri);
    expect(cc(rep(`X^^${name}`), context())).toEqual({ coding: [{ system: uri, code: 'X' }] });
  });

  it('gives local systems a urn:medibus:local URI, or the mapping’s own', () => {
    expect(knownCodingSystem('L')).toBeUndefined();
    expect(knownCodingSystem('99LAB')).toBeUndefined();
    expect(knownCodingSystem('HL7nnnn')).toBeUndefined();
    expect(cc(rep('GLU^Glucose^99LAB'), context())).toEqual({ coding: [{ system: 'urn:medibus:local:99LAB', code: 'GLU', display: 'Glucose' }] });
    expect(cc(rep('GLU^Glucose^L'), context({ localCodeSystem: (n) => (n === 'L' ? 'https://lab.bvchoray.vn/codes' : undefined) }))).toEqual({
      coding: [{ system: 'https://lab.bvchoray.vn/codes', code: 'GLU', display: 'Glucose' }],
    });
    expect(cc(rep('A^^My System'), context())).toEqual({ coding: [{ system: 'urn:medibus:local:My%20System', code: 'A' }] });
  });

  it('has no system when CWE.3 is empty', () => {
    expect(cc(rep('F'), context())).toEqual({ coding: [{ code: 'F' }] });
  });

  it('turns a text without a code into CodeableConcept.text', () => {
    expect(cc(rep('^Headache'), context())).toEqual({ text: 'Headache' });
    expect(cc(rep('^Headache^^^^^^^Severe headache'), context())).toEqual({ text: 'Severe headache' });
  });

  it('gives nothing for empty or null', () => {
    expect(cc(rep(''), context())).toBeUndefined();
    expect(cc(rep('""'), context())).toBeUndefined();
  });
});

describe('CWE → Coding / code / string', () => {
  it('Coding takes the first triplet only (IG CWE[Coding])', () => {
    expect(coding(rep('718-7^Hemoglobin^LN^HGB^Hb^L^2.76'), context())).toEqual({ system: 'http://loinc.org', version: '2.76', code: '718-7', display: 'Hemoglobin' });
  });

  it('code takes CWE.1, else CWE.4 (IG CWE[code])', () => {
    expect(code(rep('F^Female^HL70001'), context())).toBe('F');
    expect(code(rep('^^^M^Male^HL70001'), context())).toBe('M');
    const ctx = context();
    expect(code(rep('a  b'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(1);
  });

  it('string takes CWE.9, else CWE.2 (IG CWE[string])', () => {
    expect(str(rep('79^Quận 10^L^^^^^^Quận Mười'), context())).toBe('Quận Mười');
    expect(str(rep('79^Quận 10^L'), context())).toBe('Quận 10');
    expect(str(rep('06037'), context())).toBe('06037');
  });

  it('ID/IS → CodeableConcept has the code only (IG ID[CodeableConcept])', () => {
    expect(lookupConverter('CodeableConcept', 'IS')!(rep('X'), context())).toEqual({ coding: [{ code: 'X' }] });
  });
});
