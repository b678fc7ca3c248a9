/**
 * mappings/adt.yaml on hand-written messages of a Vietnamese HIS (fixtures/hl7/edge): what a
 * clinician and a registration clerk would check — names and addresses with diacritics in
 * UTF-8 and Windows-1258, each identifier in its own system, the visit's status through its
 * life (pre-admit to cancel), times without offset, HL7 nulls, the ZPI insurance card, merges.
 */
import type { AllergyIntolerance, Bundle, Condition, Coverage, Encounter, Location, Organization, Patient, Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { convert, edge, entryOf, only, resources, target } from './support.js';

const MRN = 'https://sid.example.org/vn/bach-mai/mrn';

async function bundle(name: string, index = 0): Promise<Bundle> {
  return (await convert(edge(name)[index])).bundle;
}

describe('ADT^A01 from a Vietnamese HIS', () => {
  it('keeps the diacritics of names and addresses', async () => {
    const patient = only<Patient>(await bundle('adt-a01-vi-utf8'), 'Patient');
    expect(patient.name?.[0]).toEqual({ use: 'official', family: 'Nguyễn', given: ['Ánh', 'Thị'] });
    expect(patient.address?.[0]).toEqual({ use: 'home', line: ['12 Phố Huế', 'Phường Hàng Bài'], city: 'Hà Nội', district: 'Quận Hoàn Kiếm', postalCode: '100000', country: 'VNM' });
    expect(patient.gender).toBe('female');
    expect(patient.birthDate).toBe('1990-02-14');
  });

  it('gives each identifier its own system: hospital MRN, national ID (CCCD), insurance card (BHYT, from ZPI)', async () => {
    const patient = only<Patient>(await bundle('adt-a01-vi-utf8'), 'Patient');
    expect(patient.identifier?.map((i) => [i.system, i.value, i.type?.coding?.[0]?.code])).toEqual([
      [MRN, 'BN2024-004512', 'MR'],
      ['https://sid.example.org/vn/cccd', '001190012345', 'NI'],
      ['https://sid.example.org/vn/bhyt', 'DN4797914010021', 'HC'],
    ]);
    expect(patient.identifier?.[2]?.period).toEqual({ start: '2024-01-01', end: '2024-12-31' });
  });

  it('reads the ZPI segment: the BHYT card is a Coverage, its primary-care facility the general practitioner', async () => {
    const b = await bundle('adt-a01-vi-utf8');
    const coverage = resources<Coverage>(b, 'Coverage').find((c) => c.subscriberId === 'DN4797914010021') as Coverage;
    expect(coverage).toMatchObject({ status: 'active', period: { start: '2024-01-01', end: '2024-12-31' }, payor: [{ display: 'Bảo hiểm xã hội Việt Nam' }] });
    expect(entryOf(b, coverage).request?.url).toBe('Coverage?identifier=https://sid.example.org/vn/bhyt|DN4797914010021');
    const gp = target<Organization>(b, only<Patient>(b, 'Patient').generalPractitioner?.[0]?.reference);
    expect(gp).toMatchObject({ name: 'Trạm y tế phường Hàng Bài', identifier: [{ value: '01006' }] });
  });

  it('makes the admission an inpatient Encounter of the visit number, with the attending doctor and the ward', async () => {
    const b = await bundle('adt-a01-vi-utf8');
    const encounter = only<Encounter>(b, 'Encounter');
    expect(encounter.status).toBe('in-progress');
    expect(encounter.class).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' });
    expect(entryOf(b, encounter).request?.url).toBe('Encounter?identifier=https://sid.example.org/vn/bach-mai/visit|VV2024-0099');
    expect(encounter.period).toEqual({ start: '2024-03-05T10:00:00+07:00' });
    const doctor = target<Practitioner>(b, encounter.participant?.[0]?.individual?.reference);
    expect(doctor?.identifier).toEqual([expect.objectContaining({ system: 'https://sid.example.org/vn/bach-mai/staff', value: '0451' })]);
    expect(doctor?.name?.[0]).toMatchObject({ family: 'Lê', given: ['Minh Hoàng'] });
    expect(target<Location>(b, encounter.location?.[0]?.location?.reference)?.name).toBe('BVBM, NOI-A2, 305, 02');
  });

  it('records the allergy and the admission diagnosis (ICD-10, Vietnamese text) against the patient and the visit', async () => {
    const b = await bundle('adt-a01-vi-utf8');
    const allergy = only<AllergyIntolerance>(b, 'AllergyIntolerance');
    expect(allergy).toMatchObject({ category: ['medication'], criticality: 'high', reaction: [{ manifestation: [{ text: 'Phát ban' }, { text: 'Khó thở' }], severity: 'severe' }] });
    const condition = only<Condition>(b, 'Condition');
    expect(condition.code?.coding).toEqual([{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J18.9', display: 'Viêm phổi, không đặc hiệu' }]);
    expect(condition.encounter?.reference).toBe(entryOf(b, only<Encounter>(b, 'Encounter')).fullUrl);
    expect(only<Encounter>(b, 'Encounter').diagnosis?.[0]?.condition?.reference).toBe(entryOf(b, condition).fullUrl);
  });

  it('reads a Windows-1258 message (MSH-18) into the same resources as its UTF-8 twin', async () => {
    const utf8 = await bundle('adt-a01-vi-utf8');
    const cp1258 = await bundle('adt-a01-vi-cp1258');
    expect(cp1258.identifier?.value).toBe('VN-EDGE-0002');
    expect(cp1258.entry).toEqual(utf8.entry);
  });
});

describe('a visit through its life (adt-visit-lifecycle.hl7)', () => {
  it('sets Encounter.status by event: A05 planned, A01/A02 in progress, A08 as PV1 says, A03 finished, A13 back in progress, A11 cancelled', async () => {
    const encounters = await Promise.all(edge('adt-visit-lifecycle').map(async (m) => only<Encounter>((await convert(m)).bundle, 'Encounter')));
    expect(encounters.map((e) => e.status)).toEqual(['planned', 'in-progress', 'in-progress', 'in-progress', 'finished', 'in-progress', 'cancelled']);
    expect(encounters[0].class.code).toBe('PRENC');
    expect(new Set(encounters.map((e) => JSON.stringify(e.identifier))).size).toBe(1); // one visit, one key
  });

  it('A02: the new bed is the active location, the bed left is completed', async () => {
    const b = (await convert(edge('adt-visit-lifecycle')[2])).bundle;
    const locations = only<Encounter>(b, 'Encounter').location ?? [];
    expect(locations.map((l) => [target<Location>(b, l.location.reference)?.name, l.status])).toEqual([
      ['BVBM, HSTC, 12, 01', 'active'],
      ['BVBM, NOI-A2, 305, 02', 'completed'],
    ]);
  });

  it('A08 from a HIS without offsets: local times are the channel\'s zone; "" clears, and is never the text ""', async () => {
    const { bundle: b } = await convert(edge('adt-visit-lifecycle')[3]);
    expect(b.timestamp).toBe('2024-03-06T09:00:00+07:00');
    const encounter = only<Encounter>(b, 'Encounter');
    expect(encounter.period).toEqual({ start: '2024-03-05T10:00:00+07:00' });
    const patient = only<Patient>(b, 'Patient');
    expect(patient.telecom).toBeUndefined();
    expect(patient.maritalStatus).toBeUndefined();
    expect(JSON.stringify(b)).not.toContain('""');
  });

  it('A03 closes the period with the discharge time', async () => {
    const encounter = only<Encounter>((await convert(edge('adt-visit-lifecycle')[4])).bundle, 'Encounter');
    expect(encounter.period).toEqual({ start: '2024-03-05T10:00:00+07:00', end: '2024-03-10T14:30:00+07:00' });
  });
});

describe('ADT^A40 merge', () => {
  it('links the survivor and the merged record both ways, and retires the merged one', async () => {
    const b = await bundle('adt-a40-merge');
    const [survivor, merged] = resources<Patient>(b, 'Patient');
    expect(entryOf(b, survivor).request?.url).toBe(`Patient?identifier=${MRN}|BN2024-004512`);
    expect(entryOf(b, merged).request?.url).toBe(`Patient?identifier=${MRN}|BN2024-009001`);
    expect(survivor.link).toEqual([{ other: { reference: entryOf(b, merged).fullUrl }, type: 'replaces' }]);
    expect(merged).toMatchObject({ active: false, link: [{ other: { reference: entryOf(b, survivor).fullUrl }, type: 'replaced-by' }], name: [{ family: 'Nguyen', given: ['Anh'] }] });
    expect(survivor.active).toBeUndefined();
  });
});

describe('what adt refuses', () => {
  it('a PID without any identifier, naming the fields it looked at', async () => {
    const error = (await convert(edge('adt-a01-no-mrn')[0]).catch((e: unknown) => e)) as MedibusError;
    expect(error).toBeInstanceOf(MedibusError);
    expect(error.message).toBe('PID-3: the key of Patient "patient" (PID-3[1], else PID-2, else PID-4[1]) is empty; a resource needs its business key to be matched on the server');
    expect(error.location).toEqual({ segment: 'PID', segmentIndex: 1, field: 3 });
  });
});
