/**
 * The other shipped mappings, on what a receiving system relies on: orders (ORM, OML) keyed
 * so that their results and specimens find them, appointments updated by their own id
 * through reschedule and cancel (SIU), documents with their text (MDM), vaccinations given
 * and refused (VXU), medication orders with dose, route and timing (RDE).
 */
import path from 'node:path';
import type { Appointment, Bundle, DocumentReference, Immunization, MedicationRequest, Observation, Patient, Practitioner, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { convert, CORPUS, edge, entryOf, messagesOf, only, resources, target } from './support.js';

async function corpus(file: string): Promise<Bundle> {
  return (await convert(messagesOf(path.join(CORPUS, file))[0])).bundle;
}

describe('orders (orm-o01, oml-o21)', () => {
  it('an ORM and an OML for the same order (the ReportStream pair) meet on one ServiceRequest', async () => {
    const orm = await corpus('cdc-reportstream__sample_orm_20230809-001.hl7');
    const oml = await corpus('cdc-reportstream__sample_oml_20240319-001.hl7');
    const fromOrm = only<ServiceRequest>(orm, 'ServiceRequest');
    const fromOml = only<ServiceRequest>(oml, 'ServiceRequest');
    expect(entryOf(orm, fromOrm).request?.url).toBe('ServiceRequest?identifier=urn:oid:1.2.840.114350.1.13.145.2.7.2.695071|421832901');
    expect(entryOf(oml, fromOml).fullUrl).toBe(entryOf(orm, fromOrm).fullUrl);
    expect(fromOrm).toMatchObject({ status: 'active', intent: 'order', code: { coding: [{ system: 'http://loinc.org', code: '54089-8' }] }, authoredOn: '2023-05-06T05:29:13-05:00' });
  });

  it('answers given at order entry are Observations the order points to (12 in the ORM)', async () => {
    const orm = await corpus('cdc-reportstream__sample_orm_20230809-001.hl7');
    const answers = resources<Observation>(orm, 'Observation');
    expect(answers).toHaveLength(12);
    expect(only<ServiceRequest>(orm, 'ServiceRequest').supportingInfo?.map((r) => r.reference)).toEqual(answers.map((o) => entryOf(orm, o).fullUrl));
    expect(answers[0]).toMatchObject({ code: { coding: [{ code: '8339-4' }] }, valueQuantity: { value: 1769.859285, unit: 'gram', code: 'g' } });
  });

  it('answers without a set ID to the same question code stay apart (Oracle sample: three 57713-0)', async () => {
    const orm = await corpus('cdc-trusted-intermediary__Oracle_001_Oracle_ORM_O01.hl7');
    const sick = resources<Observation>(orm, 'Observation').filter((o) => o.code.coding?.[0]?.code === '57713-0');
    expect(sick.map((o) => o.code.coding?.[0]?.display)).toEqual(['Sick/Premature?', 'On Medication?', 'Transfused?']);
    expect(new Set(sick.map((o) => entryOf(orm, o).fullUrl)).size).toBe(3);
  });

  it('OML: the specimen to collect, keyed on its id, linked to the order', async () => {
    const oml = await corpus('cdc-trusted-intermediary__TX_001_TX_OML_O21.hl7');
    const specimen = only<Specimen>(oml, 'Specimen');
    expect(entryOf(oml, specimen).request).toMatchObject({ method: 'POST', ifNoneExist: 'identifier=urn:oid:2.16.840.1.114222.XXX|SID20192019999' });
    expect(specimen.type?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '440500007' });
    expect(only<ServiceRequest>(oml, 'ServiceRequest').specimen?.[0]?.reference).toBe(entryOf(oml, specimen).fullUrl);
  });
});

describe('appointments (siu)', () => {
  it('S12 books, S13 moves the same appointment to its new time, S15 cancels it', async () => {
    const [booked, moved, cancelled] = await Promise.all(edge('siu-s12-s13-s15').map(async (m) => (await convert(m)).bundle));
    const appointments = [booked, moved, cancelled].map((b) => only<Appointment>(b, 'Appointment'));
    expect(new Set([booked, moved, cancelled].map((b, i) => entryOf(b, appointments[i]).request?.url))).toEqual(new Set(['Appointment?identifier=urn:medibus:authority:SCHED_BVBM|APT-55012']));
    expect(appointments.map((a) => [a.status, a.start, a.end])).toEqual([
      ['booked', '2024-03-15T08:30:00+07:00', '2024-03-15T09:00:00+07:00'],
      ['booked', '2024-03-18T14:00:00+07:00', '2024-03-18T14:30:00+07:00'],
      ['cancelled', '2024-03-18T14:00:00+07:00', '2024-03-18T14:30:00+07:00'],
    ]);
    expect(appointments[2].participant.slice(1).map((p) => p.status)).toEqual(['declined', 'declined']);
  });

  it('names the patient, the doctor and the room as participants, and keeps the note', async () => {
    const b = (await convert(edge('siu-s12-s13-s15')[0])).bundle;
    const appointment = only<Appointment>(b, 'Appointment');
    const [patient, doctor, room] = appointment.participant;
    expect(patient.actor?.reference).toBe(entryOf(b, only<Patient>(b, 'Patient')).fullUrl);
    expect(target<Practitioner>(b, doctor.actor?.reference)?.name?.[0]).toMatchObject({ family: 'Lê', given: ['Minh Hoàng'] });
    expect(room.actor?.display).toBe('BVBM, PK-TM, P12');
    expect(appointment.comment).toBe('Nhịn ăn trước khi khám');
    expect(appointment.minutesDuration).toBe(30);
  });
});

describe('documents (mdm-t02)', () => {
  it('a discharge summary: the TX lines as one text/plain attachment in UTF-8, the PDF (OBX ED, base64) as sent', async () => {
    const document = only<DocumentReference>((await convert(edge('mdm-t02-vi-discharge')[0])).bundle, 'DocumentReference');
    expect(document).toMatchObject({ status: 'current', docStatus: 'final', description: 'Giấy ra viện', date: '2024-03-10T15:30:00+07:00', masterIdentifier: { value: 'GRV-2024-0099' } });
    const [pdf, text] = document.content.map((c) => c.attachment);
    expect(pdf).toEqual({ contentType: 'application/pdf', data: 'JVBERi0xLjQKJcOkw7zDtsOfCg==' });
    expect(text.contentType).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(text.data as string, 'base64').toString('utf8')).toBe(
      'Chẩn đoán: Viêm phổi, không đặc hiệu (J18.9).\nTình trạng ra viện: ổn định, tái khám sau 7 ngày.',
    );
  });

  it('an ED whose data is not base64 (the IG sample\'s placeholder) is left out with a warning; the FT/TX/ST text stays', async () => {
    const { bundle, warnings } = await convert(messagesOf(path.join(CORPUS, 'hl7-v2-to-fhir-ig__Message.hl7_MDM_T02.txt.hl7'))[0]);
    const document = only<DocumentReference>(bundle, 'DocumentReference');
    expect(document.content.map((c) => c.attachment.contentType)).toEqual(['text/plain; charset=utf-8']);
    expect(Buffer.from(document.content[0].attachment.data as string, 'base64').toString('utf8')).toMatch(/^Transcription Authentication Interface Message Text\nCritical Values Entered On:/);
    expect(warnings).toContain('OBX[4]-5: ED.5: not valid base64');
  });
});

describe('vaccinations (vxu-v04)', () => {
  it('a dose given (CVX, lot, expiry, dose, route, site) and a dose refused (not-done, with the reason)', async () => {
    const [given, refused] = resources<Immunization>((await convert(edge('vxu-v04-given-and-refused')[0])).bundle, 'Immunization');
    expect(given).toMatchObject({
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] },
      occurrenceDateTime: '2024-03-11T09:30:00+07:00',
      lotNumber: 'LOT-A77',
      expirationDate: '2024-12-31',
      doseQuantity: { value: 0.5, code: 'mL', system: 'http://unitsofmeasure.org' },
      site: { coding: [{ code: 'LD' }] },
      primarySource: true,
    });
    expect(refused).toMatchObject({ status: 'not-done', statusReason: { coding: [{ code: '00', display: 'Parental decision' }] } });
    expect(refused.doseQuantity).toBeUndefined(); // 999: amount unknown
  });
});

describe('medication orders (rde-o11)', () => {
  it('the encoded order: drug, dose, route, timing, prescription size and refills', async () => {
    const request = only<MedicationRequest>(await corpus('microsoft-fhir-converter__RDE-O11-01.hl7'), 'MedicationRequest');
    expect(request).toMatchObject({
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '0143963401' }] },
      dispenseRequest: { quantity: { value: 3, unit: 'Bag', code: 'BG' }, numberOfRepeatsAllowed: 12 },
    });
    const dosage = request.dosageInstruction?.[0];
    expect(dosage?.route?.coding?.map((c) => c.code)).toEqual(['IV', 'IVINJ']);
    expect(dosage?.doseAndRate?.[0]?.doseQuantity?.value).toBe(5);
    expect(dosage?.timing?.repeat?.boundsPeriod).toEqual({ start: '2019-11-04T10:30:00+02:15', end: '2019-11-04T11:30:00+02:15' });
  });
});
