import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, fixture, rep } from './support.js';

const cx = lookupConverter('Identifier')!;
const ei = lookupConverter('Identifier', 'EI')!;
const hdUri = lookupConverter('uri', 'HD')!;

/** IG CX[Identifier] rows; HL7 v2.5.1 §2.A.14. */
describe('CX → Identifier', () => {
  const pid3 = () => fixture('adt-a01-vn.hl7').segment('PID')!.field(3).repetitions();

  it('gives each identifier its own system: MRN by OID, national ID by OID, insurance by the mapping', () => {
    const ctx = context({ systems: { BHXH: 'https://baohiemxahoi.gov.vn/sid/the-bhyt' } });
    const [mrn, national, insurance] = pid3().map((r) => cx(r, ctx));
    expect(mrn).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
      system: 'urn:oid:2.16.704.1.1.1',
      value: 'BN123456',
    });
    expect(national).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI', display: 'National unique individual identifier' }] },
      system: 'urn:oid:2.16.704.0.1',
      value: '079123456789',
    });
    // CX.7/8 → period (IG rows 7–8)
    expect(insurance).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'HC', display: 'Health Card Number' }] },
      system: 'https://baohiemxahoi.gov.vn/sid/the-bhyt',
      value: 'HS4790123456789',
      period: { start: '2024-01-01', end: '2024-12-31' },
    });
    expect(fhirIssues({ resourceType: 'Patient', identifier: [mrn, national, insurance] })).toEqual([]);
  });

  it('keeps an authority the runtime cannot resolve as assigner.display', () => {
    expect(cx(rep('12345^^^HOSP A^MR'), context())).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
      assigner: { display: 'HOSP A' },
      value: '12345',
    });
  });

  it('adds the check digit extensions (IG rows 2–3)', () => {
    expect(cx(rep('12345^7^M10^&2.16.840.1.113883.19&ISO'), context())).toEqual({
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/identifier-checkDigit', valueString: '7' },
        { url: 'http://hl7.org/fhir/StructureDefinition/namingsystem-checkDigit', valueString: 'M10' },
      ],
      system: 'urn:oid:2.16.840.1.113883.19',
      value: '12345',
    });
  });

  it('keeps a type code outside table 0203 as text', () => {
    expect(cx(rep('1^^^^MRN'), context())).toEqual({ type: { text: 'MRN' }, value: '1' });
  });

  it('resolves UUID authorities', () => {
    expect(cx(rep('1^^^&6f1c2a3e-1111-4a2b-9c3d-123456789abc&UUID'), context())).toMatchObject({ system: 'urn:uuid:6f1c2a3e-1111-4a2b-9c3d-123456789abc' });
  });

  it('gives nothing without CX.1', () => {
    expect(cx(rep('^^^BVCR^MR'), context())).toBeUndefined();
    expect(cx(rep('""'), context())).toBeUndefined();
  });
});

describe('EI → Identifier (IG EI[Identifier-System])', () => {
  it('resolves EI.2–4 to the system', () => {
    expect(ei(rep('ORD1^LAB^1.2.3.4^ISO'), context())).toEqual({ system: 'urn:oid:1.2.3.4', value: 'ORD1' });
    expect(ei(rep('ORD1^LAB'), context({ systems: { LAB: 'http://lab.example.vn/orders' } }))).toEqual({ system: 'http://lab.example.vn/orders', value: 'ORD1' });
  });
});

describe('HD → uri (IG HD[uri])', () => {
  it('follows the rows when the runtime knows nothing', () => {
    expect(hdUri(rep('^2.16.704.1^ISO'), context())).toBe('urn:oid:2.16.704.1');
    expect(hdUri(rep('BVCR'), context())).toBe('BVCR');
    expect(hdUri(rep('BVCR'), context({ systems: { BVCR: 'https://bvchoray.vn' } }))).toBe('https://bvchoray.vn');
  });

  it('refuses a namespace with spaces (not a URI)', () => {
    const ctx = context();
    expect(hdUri(rep('HOSP A'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(1);
  });
});
