import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, fixture, rep } from './support.js';

const xad = lookupConverter('Address')!;
const xtn = lookupConverter('ContactPoint')!;

/** IG XAD[Address] and SAD[Address] rows; HL7 v2.5.1 §2.A.87. */
describe('XAD → Address', () => {
  it('maps a Vietnamese home address', () => {
    const pid11 = fixture('adt-a01-vn.hl7').segment('PID')!.field(11).repetition(1);
    expect(xad(pid11, context())).toEqual({
      use: 'home', // XAD.7 H (AddressType[Use])
      line: ['12 Lý Thường Kiệt', 'Phường 7'], // XAD.1, XAD.2
      city: 'Quận 10',
      state: 'Hồ Chí Minh',
      postalCode: '700000',
      country: 'VNM',
    });
  });

  it('maps XAD.7 M to type postal (AddressType[Type]), not to use', () => {
    const pid11 = fixture('adt-a01-vn.hl7').segment('PID')!.field(11).repetition(2);
    expect(xad(pid11, context())).toEqual({ type: 'postal', line: ['45 Trần Hưng Đạo'], city: 'Hoàn Kiếm', state: 'Hà Nội', postalCode: '100000', country: 'VNM' });
  });

  it('puts SAD.1–3 on lines 1–3, then XAD.2, then XAD.19 addressee', () => {
    const value = xad(rep('Street 1&Main St&12^Apt 4^Springfield^IL^62701^USA^B^^17167^1001^^^^^^^^^Attn: Billing'), context());
    expect(value).toEqual({
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-censusTract', valueString: '1001' }],
      use: 'work',
      line: ['Street 1', 'Main St', '12', 'Apt 4', 'Attn: Billing'],
      city: 'Springfield',
      district: '17167', // XAD.9 county code, CWE[string]
      state: 'IL',
      postalCode: '62701',
      country: 'USA',
    });
    expect(fhirIssues({ resourceType: 'Patient', address: [value] })).toEqual([]);
  });

  it('maps BA to use old, C to temp, BI to billing; HV to the AD-use extension', () => {
    const use = (t: string) => (xad(rep(`x^^c^^^^${t}`), context()) as { use?: string }).use;
    expect(use('BA')).toBe('old');
    expect(use('C')).toBe('temp');
    expect(use('BI')).toBe('billing');
    expect(use('O')).toBe('work');
    expect(use('L')).toBeUndefined();
    expect(xad(rep('x^^^^^^HV'), context())).toEqual({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-AD-use', valueCode: 'HV' }], line: ['x'] });
  });

  it('takes the period from XAD.13/14, else XAD.12', () => {
    expect(xad(rep('x^^^^^^^^^^^20200101&20201231'), context())).toMatchObject({ period: { start: '2020-01-01', end: '2020-12-31' } });
    expect(xad(rep('x^^^^^^^^^^^20200101&20201231^20210101^20211231'), context())).toMatchObject({ period: { start: '2021-01-01', end: '2021-12-31' } });
  });

  it('gives nothing for an address type alone, empty or null', () => {
    expect(xad(rep('^^^^^^H'), context())).toBeUndefined();
    expect(xad(rep('""'), context())).toBeUndefined();
  });
});

/** IG XTN[ContactPoint] rows; HL7 v2.5.1 §2.A.89. */
describe('XTN → ContactPoint', () => {
  const telecoms = () => fixture('adt-a01-vn.hl7').segment('PID')!.field(13).repetitions();

  it('assembles a phone number from XTN.5–7 and keeps the parts as extensions', () => {
    expect(xtn(telecoms()[0], context())).toEqual({
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/contactpoint-country', valueString: '84' },
        { url: 'http://hl7.org/fhir/StructureDefinition/contactpoint-area', valueString: '28' },
        { url: 'http://hl7.org/fhir/StructureDefinition/contactpoint-local', valueString: '38123456' },
      ],
      system: 'phone',
      value: '+84 28 38123456',
      use: 'home', // PRN
    });
  });

  it('maps CP to a phone with use mobile (TelecommunicationEquipmentType CP row)', () => {
    expect(xtn(telecoms()[1], context())).toMatchObject({ system: 'phone', value: '+84 912345678', use: 'mobile' });
  });

  it('maps Internet to email with XTN.4 as the value, no phone extensions', () => {
    expect(xtn(telecoms()[2], context())).toEqual({ system: 'email', value: 'anh.nguyen@example.vn' });
  });

  it('adds the extension number with " X" (IG XTN.7/8 rows) and maps WPN to work', () => {
    const pid14 = fixture('adt-a01-vn.hl7').segment('PID')!.field(14).repetition(1);
    expect(xtn(pid14, context())).toMatchObject({ system: 'phone', value: '+84 28 39998888 X12', use: 'work' });
  });

  it('prefers XTN.12 (unformatted) to XTN.1, and XTN.1 when nothing else', () => {
    expect(xtn(rep('(555)123-4567^PRN^PH^^^^^^^^^5551234567'), context())).toMatchObject({ value: '5551234567' });
    expect(xtn(rep('(216)123-4567^PRN^PH'), context())).toEqual({ system: 'phone', value: '(216)123-4567', use: 'home' });
  });

  it('marks a missing XTN.3 with data-absent-reason, and an XTN.4 alone as email', () => {
    const value = xtn(rep('(216)123-4567'), context());
    expect(value).toEqual({ _system: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }, value: '(216)123-4567' });
    expect(fhirIssues({ resourceType: 'Patient', telecom: [value] })).toEqual([]);
    expect(xtn(rep('^^^a@b.vn'), context())).toEqual({ system: 'email', value: 'a@b.vn' });
  });

  it('maps FX, BP, TDD and the rank, period', () => {
    expect(xtn(rep('123^WPN^FX'), context())).toMatchObject({ system: 'fax' });
    expect(xtn(rep('123^^BP'), context())).toMatchObject({ system: 'pager' });
    expect(xtn(rep('123^^TDD'), context())).toMatchObject({ system: 'other' });
    expect(xtn(rep('123^^PH^^^^^^^^^^20240101^20241231^^^^2'), context())).toMatchObject({ rank: 2, period: { start: '2024-01-01', end: '2024-12-31' } });
  });

  it('produces valid ContactPoints for the fixture', () => {
    const pid = fixture('adt-a01-vn.hl7').segment('PID')!;
    const telecom = [...pid.field(13).repetitions(), ...pid.field(14).repetitions()].map((r) => xtn(r, context()));
    expect(fhirIssues({ resourceType: 'Patient', telecom })).toEqual([]);
  });

  it('gives nothing without a number or address', () => {
    expect(xtn(rep('^PRN^PH'), context())).toBeUndefined();
  });
});
