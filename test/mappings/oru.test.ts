/**
 * mappings/oru-r01.yaml on a hand-written result from a Vietnamese LIS (oru-r01-vi-lab.hl7):
 * the values, units, comparators, ranges, flags and statuses a clinician reads, the local
 * lab codes translated to LOINC beside the lab's own, and the keys that make a resend harmless
 * and land the result on the ADT feed's patient.
 */
import type { Bundle, DiagnosticReport, Observation, Patient, Practitioner, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { convert, edge, entryOf, only, resources, target } from './support.js';

async function lab(): Promise<{ bundle: Bundle; warnings: string[] }> {
  return convert(edge('oru-r01-vi-lab')[0]);
}

function byLocalCode(b: Bundle, code: string): Observation {
  const found = resources<Observation>(b, 'Observation').find((o) => o.code.coding?.some((c) => c.code === code));
  if (found === undefined) throw new Error(`no Observation ${code}`);
  return found;
}

describe('ORU^R01 from a Vietnamese LIS', () => {
  it('hemoglobin: value and UCUM unit, normal flag, reference range, and LOINC 718-7 added to the lab\'s own code', async () => {
    const hgb = byLocalCode((await lab()).bundle, 'HGB');
    expect(hgb.code.coding).toEqual([
      { system: 'urn:medibus:local:L', code: 'HGB', display: 'Huyết sắc tố' },
      { system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' },
    ]);
    expect(hgb.valueQuantity).toEqual({ value: 13.2, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' });
    expect(hgb.interpretation?.[0]?.coding?.[1]).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal' });
    const gdl = { unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' };
    expect(hgb.referenceRange).toEqual([{ low: { value: 12, ...gdl }, high: { value: 16, ...gdl }, text: '12.0-16.0' }]);
    expect(hgb.status).toBe('final');
    expect(hgb.effectiveDateTime).toBe('2024-03-06T08:00:00+07:00');
  });

  it('a result below the measuring range keeps its comparator (<5 mg/L), and a time without offset takes the channel\'s zone', async () => {
    const crp = byLocalCode((await lab()).bundle, 'CRP');
    expect(crp.valueQuantity).toEqual({ comparator: '<', value: 5, unit: 'mg/L', system: 'http://unitsofmeasure.org', code: 'mg/L' });
    expect(crp.interpretation?.[0]?.coding?.map((c) => c.code)).toEqual(['L', 'L']);
    expect(crp.effectiveDateTime).toBe('2024-03-06T08:00:00+07:00');
  });

  it('a range result (2-5 /HPF) is a valueRange with units on both ends', async () => {
    const urine = byLocalCode((await lab()).bundle, 'UWBC');
    expect(urine.valueRange?.low).toEqual({ value: 2, unit: '/HPF', system: 'http://unitsofmeasure.org', code: '/[HPF]' });
    expect(urine.valueRange?.high).toEqual({ value: 5, unit: '/HPF', system: 'http://unitsofmeasure.org', code: '/[HPF]' });
    expect(urine.interpretation?.[0]?.coding?.[1]?.code).toBe('H');
  });

  it('a critical potassium carries its HH flag and the note written about it', async () => {
    const k = byLocalCode((await lab()).bundle, 'K');
    expect(k.valueQuantity?.value).toBe(6.8);
    expect(k.interpretation?.[0]?.coding?.[1]).toMatchObject({ code: 'HH', display: 'Critical high' });
    expect(k.note).toEqual([{ text: 'Đã báo bác sĩ điều trị lúc 09:05.' }]);
  });

  it('a repeated coded result gives one component per organism; repeated text lines one valueString', async () => {
    const b = (await lab()).bundle;
    const culture = byLocalCode(b, '600-7');
    expect(culture.valueCodeableConcept).toBeUndefined();
    expect(culture.component?.map((c) => c.valueCodeableConcept?.coding?.[0]?.display)).toEqual(['Staphylococcus aureus', 'Escherichia coli']);
    expect(culture.status).toBe('preliminary');
    expect(byLocalCode(b, '18769-0').valueString).toBe('Nhạy cảm với vancomycin\nKháng oxacillin');
  });

  it('a pending result (OBX-11 I) is registered, a cancelled one (X) cancelled, neither with a value', async () => {
    const b = (await lab()).bundle;
    expect(byLocalCode(b, 'PLT')).toMatchObject({ status: 'registered' });
    expect(byLocalCode(b, 'GLU')).toMatchObject({ status: 'cancelled' });
    expect(byLocalCode(b, 'PLT').valueQuantity).toBeUndefined();
  });

  it('keys each Observation on filler order number, OBR set ID, OBX set ID and code, and the report lists them in order', async () => {
    const b = (await lab()).bundle;
    const observations = resources<Observation>(b, 'Observation');
    expect(observations.map((o) => entryOf(b, o).request?.url)).toEqual(
      ['1-HGB', '2-CRP', '3-UWBC', '4-K', '5-600-7', '6-18769-0', '7-PLT', '8-GLU'].map((k) => `Observation?identifier=urn:medibus:facility:BVBM_XN:Observation|XN-240306-0042-1-${k}`),
    );
    const report = only<DiagnosticReport>(b, 'DiagnosticReport');
    expect(report.status).toBe('final');
    expect(report.result?.map((r) => r.reference)).toEqual(observations.map((o) => entryOf(b, o).fullUrl));
    expect(report.issued).toBe('2024-03-06T09:10:00+07:00');
  });

  it('creates (never overwrites) the patient, the order and the specimen; the patient is the ADT feed\'s', async () => {
    const b = (await lab()).bundle;
    const patient = only<Patient>(b, 'Patient');
    expect(entryOf(b, patient).request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: 'identifier=https://sid.example.org/vn/bach-mai/mrn|BN2024-004512' });
    const adt = (await convert(edge('adt-a01-vi-utf8')[0])).bundle;
    expect(entryOf(b, patient).fullUrl).toBe(entryOf(adt, only<Patient>(adt, 'Patient')).fullUrl);
    const order = only<ServiceRequest>(b, 'ServiceRequest');
    expect(entryOf(b, order).request).toMatchObject({ method: 'POST', ifNoneExist: 'identifier=urn:medibus:authority:HIS_BVBM|CD-7781' });
    expect(order.status).toBe('completed');
    expect(only<DiagnosticReport>(b, 'DiagnosticReport').basedOn?.[0]?.reference).toBe(entryOf(b, order).fullUrl);
    const specimen = only<Specimen>(b, 'Specimen');
    expect(specimen).toMatchObject({ type: { coding: [{ code: 'BLD' }] }, collection: { collectedDateTime: '2024-03-06T07:15:00+07:00' } });
    expect(target<Specimen>(b, byLocalCode(b, 'HGB').specimen?.reference)).toBe(specimen);
  });

  it('names the doctor who interpreted the results (OBR-32) and the technician (OBR-34, as secondary performer), each a Practitioner on the staff numbering', async () => {
    const b = (await lab()).bundle;
    const report = only<DiagnosticReport>(b, 'DiagnosticReport');
    const staff = 'https://sid.example.org/vn/bach-mai/staff';
    const interpreter = target<Practitioner>(b, report.resultsInterpreter?.[0]?.reference);
    expect(interpreter).toMatchObject({ identifier: [{ system: staff, value: '0452' }], name: [{ family: 'Phạm', given: ['Thu Hà'], prefix: ['BS'] }] });
    expect(report.resultsInterpreter?.[0]?.display).toBe('BS Thu Hà Phạm');
    expect(report.performer).toHaveLength(1);
    expect(target<Practitioner>(b, report.performer?.[0]?.reference)?.identifier).toEqual([{ system: staff, value: 'KTV07' }]);
    expect(report.performer?.[0]?.extension).toEqual([
      {
        url: 'http://hl7.org/fhir/StructureDefinition/event-performerFunction',
        valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'SPRF', display: 'secondary performer' }] },
      },
    ]);
    // the ordering doctor (ORC-12, an XCN) is numbered by the same authority: one system for the staff
    const orderer = target<Practitioner>(b, only<ServiceRequest>(b, 'ServiceRequest').requester?.reference);
    expect(orderer?.identifier?.[0]).toMatchObject({ system: staff, value: '0451' });
  });

  it('warns about the local codes the example LOINC table lacks, and about nothing else', async () => {
    expect((await lab()).warnings).toEqual([
      'OBX[2]-3: code "CRP" is not in table local-lab-loinc; kept as sent (Observation.code)',
      'OBX[3]-3: code "UWBC" is not in table local-lab-loinc; kept as sent (Observation.code)',
    ]);
  });
});
