import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, fixture, rep } from './support.js';

const xcn = lookupConverter('Reference')!; // default: XCN
const cnn = lookupConverter('Reference', 'CNN')!;
const xon = lookupConverter('Reference', 'XON')!;
const pl = lookupConverter('Reference', 'PL')!;

/** IG XCN[Practitioner]; HL7 v2.5.1 §2.A.89. Dedupe is the runtime's: these tests check what is emitted. */
describe('XCN → Reference(Practitioner)', () => {
  it('emits a Practitioner keyed by XCN.1 + XCN.9 and references it', () => {
    const ctx = context();
    const pv1_7 = fixture('adt-a01-vn.hl7').segment('PV1')!.field(7).repetition(1);
    const ref = xcn(pv1_7, ctx);
    expect(ctx.emitted).toHaveLength(1);
    const [{ type, key, resource }] = ctx.emitted;
    expect(type).toBe('Practitioner');
    expect(key).toEqual({ system: 'urn:oid:2.16.704.1.1.1', value: 'BS001' });
    expect(resource).toEqual({
      resourceType: 'Practitioner',
      identifier: [
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PRN', display: 'Provider number' }] },
          system: 'urn:oid:2.16.704.1.1.1',
          value: 'BS001',
        },
      ],
      name: [{ use: 'official', family: 'Trần', given: ['Văn Bình'], prefix: ['TS.BS.'] }],
      // XCN.7 → qualification.code (DegreeLicenseCertificate map)
      qualification: [{ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }] } }],
    });
    expect(fhirIssues(resource)).toEqual([]);
    expect(ref).toEqual({ reference: 'urn:uuid:00000000-0000-0000-0000-000000000001', display: 'TS.BS. Văn Bình Trần' });
  });

  it('emits again for every mention (the runtime merges by key)', () => {
    const ctx = context();
    xcn(rep('123^Doe^Jane'), ctx);
    xcn(rep('123^Doe^Jane'), ctx);
    expect(ctx.emitted.map((e) => e.key)).toEqual([{ value: '123' }, { value: '123' }]);
  });

  it('adds the check digit extensions (XCN.11/12) and keeps an unknown degree as text', () => {
    const ctx = context();
    xcn(rep('123^Doe^Jane^^^^BSc^^^^4^M10'), ctx);
    expect(ctx.emitted[0].resource).toMatchObject({
      identifier: [{ extension: [{ valueString: '4' }, { valueString: 'M10' }], value: '123' }],
      qualification: [{ code: { text: 'BSc' } }],
    });
  });

  it('gives a display-only reference, and emits nothing, without XCN.1', () => {
    const ctx = context();
    expect(xcn(rep('^Doe^Jane^^^Dr'), ctx)).toEqual({ display: 'Dr Jane Doe' });
    expect(ctx.emitted).toEqual([]);
    expect(xcn(rep(''), ctx)).toBeUndefined();
  });

  it('reads CNN (IG CNN[Practitioner]): authority in CNN.9–11, degree in the name', () => {
    const ctx = context();
    cnn(rep('99^Lê^Minh^^^BS^MD^^^2.16.704.1.1.1^ISO'), ctx);
    expect(ctx.emitted[0].key).toEqual({ system: 'urn:oid:2.16.704.1.1.1', value: '99' });
    expect(ctx.emitted[0].resource).toEqual({
      resourceType: 'Practitioner',
      identifier: [{ system: 'urn:oid:2.16.704.1.1.1', value: '99' }],
      name: [{ family: 'Lê', given: ['Minh'], prefix: ['BS'], suffix: ['MD'] }],
    });
  });
});

/** IG XON[Organization]; HL7 v2.5.1 §2.A.87. */
describe('XON → Reference(Organization)', () => {
  it('emits an Organization keyed by XON.10 (else XON.3) and XON.6', () => {
    const ctx = context();
    const ref = xon(rep('Bệnh viện Chợ Rẫy^L^^^^BYT&2.16.704.1&ISO^XX^^^79001'), ctx);
    expect(ctx.emitted[0]).toEqual({
      type: 'Organization',
      key: { system: 'urn:oid:2.16.704.1', value: '79001' },
      resource: {
        resourceType: 'Organization',
        identifier: [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'XX', display: 'Organization identifier' }] },
            system: 'urn:oid:2.16.704.1',
            value: '79001',
          },
        ],
        name: 'Bệnh viện Chợ Rẫy',
      },
    });
    expect(fhirIssues(ctx.emitted[0].resource)).toEqual([]);
    expect(ref).toMatchObject({ display: 'Bệnh viện Chợ Rẫy' });
    xon(rep('Lab^^42'), ctx);
    expect(ctx.emitted[1].key).toEqual({ value: '42' });
  });

  it('gives a display-only reference for a name without identifier', () => {
    const ctx = context();
    expect(xon(rep('Phòng khám Hòa Hảo'), ctx)).toEqual({ display: 'Phòng khám Hòa Hảo' });
    expect(ctx.emitted).toEqual([]);
  });
});

/** IG PL[Location]; HL7 v2.5.1 §2.A.53. */
describe('PL → Reference(Location)', () => {
  it('emits one Location for the bed, named from facility to bed', () => {
    const ctx = context();
    const pv1_3 = fixture('adt-a01-vn.hl7').segment('PV1')!.field(3).repetition(1);
    const ref = pl(pv1_3, ctx);
    expect(ctx.emitted[0]).toEqual({
      type: 'Location',
      key: { value: 'NOI1^P401^G2^BVCR^KHU_A^T4' },
      resource: {
        resourceType: 'Location',
        identifier: [{ value: 'NOI1^P401^G2^BVCR^KHU_A^T4' }],
        mode: 'instance',
        name: 'BVCR, KHU_A, T4, NOI1, P401, G2',
        physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bd' }] },
      },
    });
    expect(fhirIssues(ctx.emitted[0].resource)).toEqual([]);
    expect(ref).toMatchObject({ display: 'BVCR, KHU_A, T4, NOI1, P401, G2' });
  });

  it('types the most granular level given (IG sequence bed, room, floor, point of care, building, facility)', () => {
    const type = (text: string) => {
      const ctx = context();
      pl(rep(text), ctx);
      return (ctx.emitted[0].resource as { physicalType?: { coding: { code: string }[] } }).physicalType?.coding[0].code;
    };
    expect(type('4E^401')).toBe('ro');
    expect(type('4E')).toBeUndefined(); // the point of care row names no code
    expect(type('^^^HOSP')).toBe('si');
    expect(type('^^^^^^B1')).toBe('bu');
  });

  it('uses PL.10 when sent, with its authority; PL.11 otherwise', () => {
    const ctx = context({ systems: { BVCR: 'https://bvchoray.vn/locations' } });
    pl(rep('4E^401^A^^^^^^^LOC-77&BVCR'), ctx);
    expect(ctx.emitted[0].key).toEqual({ system: 'https://bvchoray.vn/locations', value: 'LOC-77' });
    pl(rep('4E^401^^^^^^^^^BVCR'), ctx);
    expect(ctx.emitted[1].key).toEqual({ system: 'https://bvchoray.vn/locations', value: '4E^401' });
  });

  it('keeps positions in the key and adds the description', () => {
    const ctx = context();
    pl(rep('^401^A^^^^^^Phòng VIP'), ctx);
    expect(ctx.emitted[0].resource).toMatchObject({ identifier: [{ value: '^401^A' }], description: 'Phòng VIP', name: '401, A' });
  });
});
