/**
 * Issue 15: messages from other systems are never lost silently and never refused for a
 * detail. Each case is a message of fixtures/hl7/edge written for it (see SOURCES.md there).
 */
import type { AllergyIntolerance, Appointment, Condition, DiagnosticReport, Immunization, Observation, Patient, RelatedPerson, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { conditionalIdentifier, convert, edge, entryOf, only, resources, shipped } from './support.js';

describe('two segments with the same composed key (case 2)', () => {
  it('the HL7 v2.4 ADT^A04 example: two NK1 with set ID 1 are two RelatedPersons, the second keyed by its position', async () => {
    const [msg] = edge('adt-a04-v24-two-nk1-set-id-1');
    const { bundle, warnings } = await convert(msg);
    const people = resources<RelatedPerson>(bundle, 'RelatedPerson');
    expect(people.map((p) => p.name?.[0]?.given?.[0])).toEqual(['BARBARA', 'MICHAEL']);
    expect(people.map((p) => conditionalIdentifier(entryOf(bundle, p))?.value)).toEqual(['PATID1234-1', 'PATID1234-1@NK1.2']);
    expect(warnings).toContain('NK1[2]: the key of RelatedPerson "next-of-kin" is also that of NK1 (a repeated or empty set ID, or the same code twice): this one is keyed by its position (@NK1.2)');
  });

  it('the same allergen twice, one code as admitting and final diagnosis, two OBX without set ID: one resource per segment', async () => {
    const [msg] = edge('adt-a08-repeated-al1-dg1-obx');
    const { bundle } = await convert(msg);
    expect(resources<AllergyIntolerance>(bundle, 'AllergyIntolerance').map((a) => a.reaction?.[0]?.manifestation[0].text)).toEqual(['Rash', 'Hives']);
    const conditions = resources<Condition>(bundle, 'Condition');
    expect(conditions.map((c) => conditionalIdentifier(entryOf(bundle, c))?.value)).toEqual(['BN1001-VV2001-J18.9', 'BN1001-VV2001-J18.9@DG1.2']);
    // identical repeats are not merged: two Observations, two keys
    const observations = resources<Observation>(bundle, 'Observation');
    expect(new Set(observations.map((o) => entryOf(bundle, o).fullUrl)).size).toBe(2);
  });

  it('the same message twice gives the same keys (a resend updates, never duplicates)', async () => {
    const [msg] = edge('adt-a08-repeated-al1-dg1-obx');
    const urls = async () => ((await convert(msg)).bundle.entry ?? []).map((e) => e.request?.url ?? e.request?.ifNoneExist);
    expect(await urls()).toEqual(await urls());
  });
});

describe('OBX-11 N and X (case 3)', () => {
  it('dataAbsentReason only where OBX-5 is empty: N with a value keeps the value alone (obs-6), N empty is not-asked, X empty is cancelled and not-performed', async () => {
    const [msg] = edge('oru-r01-obx11-n-and-x');
    const { bundle } = await convert(msg);
    const [withValue, notAsked, notObtained] = resources<Observation>(bundle, 'Observation');
    expect(withValue.valueQuantity?.value).toBe(200);
    expect(withValue.dataAbsentReason).toBeUndefined();
    expect(notAsked.valueQuantity).toBeUndefined();
    expect(notAsked.dataAbsentReason?.coding?.[0]?.code).toBe('not-asked');
    expect(notObtained.status).toBe('cancelled');
    expect(notObtained.dataAbsentReason?.coding).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-performed', display: 'Not Performed' }]);
  });
});

describe('a code no table holds (case 4): refused only where FHIR requires the element and nothing else fills it', () => {
  it('PID-8 "M-": the admission converts, gender left out with a warning', async () => {
    const [msg] = edge('adt-a01-unknown-sex-code');
    const { bundle, warnings } = await convert(msg);
    expect(only<Patient>(bundle, 'Patient').gender).toBeUndefined();
    expect(warnings).toContain('PID-8: code "M-" is not in table v2-0001; left out (Patient.gender)');
  });

  it('SCH-25 "ARRIVED": the appointment converts, booked (the S12 event), with a warning', async () => {
    const [msg] = edge('siu-s12-unknown-filler-status');
    const { bundle, warnings } = await convert(msg);
    expect(only<Appointment>(bundle, 'Appointment').status).toBe('booked');
    expect(warnings).toContain('SCH-25: code "ARRIVED" is not in table v2-0278; left out (Appointment.status)');
  });

  it('OBR-25 "HM": the report converts with status unknown, and an unknown ORC-5 is left out too, each with a warning', async () => {
    const [msg] = edge('oru-r01-unknown-result-status');
    const { bundle, warnings } = await convert(msg);
    expect(only<DiagnosticReport>(bundle, 'DiagnosticReport').status).toBe('unknown');
    expect(only<ServiceRequest>(bundle, 'ServiceRequest').status).toBe('unknown');
    expect(warnings).toEqual(expect.arrayContaining([
      'OBR-25: code "HM" is not in table v2-0123-report-status; left out (DiagnosticReport.status)',
      'ORC-5: code "ZZ" is not in table v2-0038; left out (ServiceRequest.status)',
    ]));
  });

  it('OBR-25 "Y" (no order on record) is still refused, as the IG says, with the field and the code', async () => {
    const [msg] = edge('oru-r01-unknown-result-status');
    const text = msg.toString().replace('|||HM', '|||Y');
    const { parseMessage } = await import('../../src/hl7/index.js');
    await expect(convert(parseMessage(text))).rejects.toThrow('OBR-25: code "Y" is not in table v2-0123-report-status (DiagnosticReport.status)');
  });

  it('RXA-20 outside table 0322 is refused: Immunization.status is required and has no "unknown"', async () => {
    const [msg] = edge('vxu-v04-mvx-manufacturer');
    const { parseMessage } = await import('../../src/hl7/index.js');
    await expect(convert(parseMessage(msg.toString().replace('|||CP|A', '|||ZZ|A')))).rejects.toThrow('RXA-20: code "ZZ" is not in table v2-0322 (Immunization.status)');
  });
});

describe('RXA-17 vaccine manufacturer (case 6)', () => {
  it('keeps the MVX code as manufacturer.identifier beside the name', async () => {
    const [msg] = edge('vxu-v04-mvx-manufacturer');
    const { bundle } = await convert(msg);
    expect(only<Immunization>(bundle, 'Immunization').manufacturer).toEqual({ display: 'sanofi pasteur', identifier: { system: 'http://hl7.org/fhir/sid/mvx', value: 'PMC' } });
  });
});

describe('times without offset (case 5): the sender\'s offset from MSH-7 when the channel sets no timezone', () => {
  const times = async (index: number, timezone?: string) => {
    const msg = edge('oru-r01-times-sender-offset')[index];
    const { bundle, warnings } = await (await shipped('oru-r01')).convert(msg, timezone === undefined ? {} : { timezone });
    return { effective: only<DiagnosticReport>(bundle, 'DiagnosticReport').effectiveDateTime, timestamp: bundle.timestamp, warnings };
  };

  it('MSH-7 -0500: OBR-7 20140116170100 is 17:01 at -05:00, not UTC', async () => {
    const { effective, warnings } = await times(0);
    expect(effective).toBe('2014-01-16T17:01:00-05:00');
    expect(warnings.filter((w) => w.includes('UTC'))).toEqual([]);
  });

  it('MSH-7 +0700 (a Vietnamese hospital): 17:01 at +07:00', async () => {
    expect((await times(1)).effective).toBe('2014-01-16T17:01:00+07:00');
  });

  it('no offset anywhere: UTC, with one warning that says so', async () => {
    const { effective, timestamp, warnings } = await times(2);
    expect(effective).toBe('2014-01-16T17:01:00+00:00');
    expect(timestamp).toBe('2014-01-16T17:15:00+00:00');
    expect(warnings.filter((w) => w.includes('UTC'))).toEqual(['OBR-7: a time without offset is read as UTC: set transform.timezone (or --timezone), or have the sender put its offset in MSH-7']);
  });

  it('transform.timezone, when set, wins over MSH-7', async () => {
    const { effective, warnings } = await times(0, 'Asia/Ho_Chi_Minh');
    expect(effective).toBe('2014-01-16T17:01:00+07:00');
    expect(warnings.filter((w) => w.includes('UTC'))).toEqual([]);
  });
});

describe('a message without a segment its mapping requires (case 1)', () => {
  it('an ADT^A01 that is only its MSH is refused naming PID and PV1, not converted into an empty Bundle', async () => {
    const [msg] = edge('adt-a01-msh-only');
    const error = (await convert(msg).catch((e: unknown) => e)) as MedibusError;
    expect(error).toBeInstanceOf(MedibusError);
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_SEGMENT_MISSING');
    expect(error.message).toBe('PID, PV1 missing: ADT^A01 needs PID, PV1 (mapping adt, requires:)');
    expect(error.location).toEqual({ segment: 'PID', segmentIndex: 1 });
  });

  it('a VXU^V04 without PID says "PID missing", not "Immunization.patient missing"', async () => {
    const [msg] = edge('vxu-v04-no-pid');
    await expect(convert(msg)).rejects.toThrow('PID missing: VXU^V04 needs PID (mapping vxu-v04, requires:)');
  });

  it('an A08 (an update of patient information) needs only PID: one without PV1 converts', async () => {
    const [msg] = edge('adt-a01-unknown-sex-code');
    const { parseMessage } = await import('../../src/hl7/index.js');
    const update = parseMessage(msg.toString().replace('ADT^A01^ADT_A01', 'ADT^A08^ADT_A01').replace(/\rPV1\|[^\r]*/, ''));
    expect((await convert(update)).bundle.entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient']);
  });

  it('an A40 needs MRG, not PV1 (the exact event wins over ADT^*)', async () => {
    const adt = await shipped('adt');
    const [merge] = edge('adt-a40-merge');
    expect(adt.missingSegments(merge)).toBeUndefined();
    const { parseMessage } = await import('../../src/hl7/index.js');
    expect(adt.missingSegments(parseMessage(merge.toString().replace(/\rMRG\|[^\r]*/, '')))?.message).toBe('MRG missing: ADT^A40 needs PID, MRG (mapping adt, requires:)');
  });
});
