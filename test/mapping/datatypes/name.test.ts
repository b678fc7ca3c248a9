import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, fixture, rep } from './support.js';

const xpn = lookupConverter('HumanName')!;
const xcnName = lookupConverter('HumanName', 'XCN')!;
const cnnName = lookupConverter('HumanName', 'CNN')!;
const fnName = lookupConverter('HumanName', 'FN')!;

/** IG XPN[HumanName] rows; HL7 v2.5.1 §2.A.88. */
describe('XPN → HumanName', () => {
  it('maps a Vietnamese name: family, given as sent, prefix, official use, family-first order', () => {
    const pid5 = fixture('adt-a01-vn.hl7').segment('PID')!.field(5).repetition(1);
    expect(xpn(pid5, context())).toEqual({
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order', valueCode: 'F' }],
      use: 'official', // XPN.7 L → official (NameType map)
      family: 'Nguyễn',
      given: ['Thị Ánh'], // XPN.2 kept whole
      prefix: ['Bà'],
    });
  });

  it('maps XPN.7 N to nickname', () => {
    const pid5 = fixture('adt-a01-vn.hl7').segment('PID')!.field(5).repetition(2);
    expect(xpn(pid5, context())).toEqual({ use: 'nickname', family: 'Nguyen', given: ['Thi Anh'] });
  });

  it('puts XPN.3 after XPN.2 in given, and suffixes in the IG order XPN.4, XPN.6, XPN.14', () => {
    expect(xpn(rep('Smith^John^Quincy^Jr^Dr^PhD^^^^^^^^FACC'), context())).toEqual({
      family: 'Smith',
      given: ['John', 'Quincy'],
      prefix: ['Dr'],
      suffix: ['Jr', 'PhD', 'FACC'],
    });
  });

  it('keeps FN subcomponents as the humanname-own/partner extensions on family (IG FN[HumanName])', () => {
    const name = xpn(rep('van der Berg-de Vries&van der&Berg&de&Vries^Anna'), context());
    expect(name).toEqual({
      family: 'van der Berg-de Vries',
      _family: {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix', valueString: 'van der' },
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name', valueString: 'Berg' },
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-prefix', valueString: 'de' },
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name', valueString: 'Vries' },
        ],
      },
      given: ['Anna'],
    });
    expect(fhirIssues({ resourceType: 'Patient', name: [name] })).toEqual([]);
  });

  it('maps name types by the NameType ConceptMap, and leaves unmapped ones without use', () => {
    const use = (code: string) => (xpn(rep(`X^Y^^^^^${code}`), context()) as { use?: string }).use;
    expect(use('M')).toBe('maiden');
    expect(use('D')).toBe('usual');
    expect(use('BAD')).toBe('old');
    expect(use('MSK')).toBe('anonymous');
    expect(use('TEMP')).toBe('temp');
    expect(use('B')).toBeUndefined(); // Birth name: no FHIR use in the IG
    expect(use('ZZ')).toBeUndefined();
  });

  it('takes the period from XPN.12/13, else from the XPN.10 range', () => {
    expect(xpn(rep('A^B^^^^^^^^^^20200101^20231231'), context())).toMatchObject({ period: { start: '2020-01-01', end: '2023-12-31' } });
    expect(xpn(rep('A^B^^^^^^^^20200101&20211231'), context())).toMatchObject({ period: { start: '2020-01-01', end: '2021-12-31' } });
    expect(xpn(rep('A^B^^^^^^^^20200101&20211231^^20220101'), context())).toMatchObject({ period: { start: '2022-01-01' } });
  });

  it('gives nothing for an empty name, a null, or a name type alone', () => {
    const ctx = context();
    expect(xpn(rep(''), ctx)).toBeUndefined();
    expect(xpn(rep('""'), ctx)).toBeUndefined();
    expect(xpn(rep('^^^^^^L'), ctx)).toBeUndefined();
  });

  it('unescapes names', () => {
    expect(xpn(rep('O\\T\\Brien^Mary'), context())).toMatchObject({ family: 'O&Brien' });
  });

  it('produces valid HumanNames', () => {
    const adt = fixture('adt-a01-vn.hl7');
    const names = adt.segment('PID')!.field(5).repetitions().map((r) => xpn(r, context()));
    expect(fhirIssues({ resourceType: 'Patient', name: names })).toEqual([]);
  });
});

describe('XCN / CNN / FN → HumanName', () => {
  it('reads the XCN name part (IG XCN[Practitioner] name rows): XCN.7 degree is not a suffix', () => {
    const pv1_7 = fixture('adt-a01-vn.hl7').segment('PV1')!.field(7).repetition(1);
    expect(xcnName(pv1_7, context())).toEqual({ use: 'official', family: 'Trần', given: ['Văn Bình'], prefix: ['TS.BS.'] });
  });

  it('puts XCN.21 professional suffix after XCN.5', () => {
    expect(xcnName(rep('123^Doe^Jane^^III^Dr^MD^^^^^^^^^^^^^^FACP'), context())).toEqual({
      family: 'Doe',
      given: ['Jane'],
      prefix: ['Dr'],
      suffix: ['III', 'FACP'],
    });
  });

  it('reads CNN, whose degree is name.suffix[2] (IG CNN[Practitioner])', () => {
    expect(cnnName(rep('99^Lê^Minh^Tuấn^^BS^MD'), context())).toEqual({ family: 'Lê', given: ['Minh', 'Tuấn'], prefix: ['BS'], suffix: ['MD'] });
  });

  it('reads a field of type FN', () => {
    expect(fnName(rep('van Gogh^van^Gogh'), context())).toEqual({
      family: 'van Gogh',
      _family: {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix', valueString: 'van' },
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name', valueString: 'Gogh' },
        ],
      },
    });
  });
});
