/**
 * Transactions as medibus sends them (R4 http.html#transaction, #trules): conditional updates
 * and creates keyed on identifier, urn:uuid references between entries, atomicity; run by
 * transaction-run.ts and by medplum's BatchProcessor, with the same answers.
 */
import type { Bundle, BundleEntry, Encounter, Observation, OperationOutcome, Patient, Practitioner } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFhirServer } from '../../src/fhir-server/app.js';
import { MedibusRepository } from '../../src/fhir-server/repository.js';
import { adtTransaction, client, expressions, resources, type Client } from './support.js';

const MRN = 'urn:oid:2.16.840.1.113883.2.24.1.1';
const NPI = 'urn:oid:2.16.840.1.113883.4.6';

let repository: MedibusRepository;
let app: FastifyInstance;
let fhir: Client;

async function only<T extends Patient | Encounter | Practitioner | Observation>(query: string): Promise<T> {
  const { body } = await fhir.get<Bundle>(`/fhir/${query}`);
  expect(body.total, query).toBe(1);
  return resources<T>(body)[0]!;
}

// Every test runs twice: with transaction-run.ts, and with medplum's BatchProcessor after the
// same preparation. The answers must not depend on which one ran.
describe.each(['direct', 'medplum'] as const)('transactions run by %s', (transactions) => {
  beforeEach(() => {
    repository = new MedibusRepository();
    app = buildFhirServer({ repository, transactions });
    fhir = client(app);
  });
  afterEach(() => app.close());

  describe('a transaction of conditional entries with urn:uuid references', () => {
    it('stores each resource once and rewrites the references to the ids it gave', async () => {
      const first = await fhir.post<Bundle>('/fhir', adtTransaction());
      expect(first.status).toBe(200);
      expect(first.body.type).toBe('transaction-response');
      expect(first.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201', '201', '201', '201', '201']);

      const patient = await only<Patient>(`Patient?identifier=${MRN}|BN2024-004512`);
      const practitioner = await only<Practitioner>(`Practitioner?identifier=${NPI}|1234567893`);
      const encounter = await only<Encounter>('Encounter?identifier=urn:oid:2.16.840.1.113883.2.24.1.2|VN-ADT-000731');
      expect(encounter.subject?.reference).toBe(`Patient/${patient.id}`);
      expect(encounter.participant?.[0]?.individual?.reference).toBe(`Practitioner/${practitioner.id}`);
      const observations = resources<Observation>((await fhir.get<Bundle>(`/fhir/Observation?subject=Patient/${patient.id}`)).body);
      expect(observations).toHaveLength(3);
      for (const observation of observations) expect(observation.encounter?.reference).toBe(`Encounter/${encounter.id}`);
      expect(first.body.entry?.[0]?.response?.location).toBe(`Patient/${patient.id}`);
    });

    it('posted twice: still one of each, updated in place, the conditional create left alone', async () => {
      await fhir.post('/fhir', adtTransaction());
      const before = await only<Patient>(`Patient?identifier=${MRN}|BN2024-004512`);
      const practitioner = await only<Practitioner>(`Practitioner?identifier=${NPI}|1234567893`);
      const again = adtTransaction();
      (again.entry![0]!.resource as Patient).gender = 'other';
      (again.entry![1]!.resource as Practitioner).name = [{ family: 'Changed' }];

      const second = await fhir.post<Bundle>('/fhir', again);
      expect(second.status).toBe(200);
      expect(second.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200', '200', '200', '200', '200']);

      const after = await only<Patient>(`Patient?identifier=${MRN}|BN2024-004512`);
      expect(after.id).toBe(before.id);
      expect(after.gender).toBe('other');
      expect(after.meta?.versionId).not.toBe(before.meta?.versionId);
      // ifNoneExist matched: "the server ignores the post" (http.html#ccreate)
      expect((await only<Practitioner>(`Practitioner?identifier=${NPI}|1234567893`)).name?.[0]?.family).toBe('Trần');
      // … and references to its fullUrl now point at the existing one
      const encounter = await only<Encounter>('Encounter?identifier=urn:oid:2.16.840.1.113883.2.24.1.2|VN-ADT-000731');
      expect(encounter.participant?.[0]?.individual?.reference).toBe(`Practitioner/${practitioner.id}`);
      expect(repository.counts()).toEqual({ Patient: 1, Practitioner: 1, Encounter: 1, Observation: 3 });
    });

    it('takes 35 conditional entries (medplum alone refuses more than 8) and answers return=minimal', async () => {
      const bundle = adtTransaction();
      const template = bundle.entry![3]!;
      for (let i = 4; bundle.entry!.length < 35; i++) {
        const resource = { ...(template.resource as Observation), identifier: [{ system: 'urn:oid:2.16.840.1.113883.2.24.1.3', value: `VN-ADT-000731-${i}` }] };
        bundle.entry!.push({ ...template, fullUrl: `urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-${String(i).padStart(12, '0')}`, resource, request: { method: 'PUT', url: `Observation?identifier=urn:oid:2.16.840.1.113883.2.24.1.3|VN-ADT-000731-${i}` } });
      }
      const answer = await fhir.post<Bundle>('/fhir', bundle, { prefer: 'return=minimal' });
      expect(answer.status).toBe(200);
      expect(answer.body.entry).toHaveLength(35);
      expect(answer.body.entry?.every((e: BundleEntry) => e.resource === undefined && e.response?.status === '201')).toBe(true);
      expect(repository.counts().Observation).toBe(32);
    });
  });

  describe('references in other strings', () => {
    it('rewrites a fullUrl wherever a string of another entry holds it, as medplum does', async () => {
      const bundle = adtTransaction();
      (bundle.entry![3]!.resource as Observation).note = [{ text: 'taken for urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-1a2b3c4d5e03' }];
      expect((await fhir.post('/fhir', bundle)).status).toBe(200);
      const encounter = await only<Encounter>('Encounter?identifier=urn:oid:2.16.840.1.113883.2.24.1.2|VN-ADT-000731');
      const observation = await only<Observation>('Observation?identifier=urn:oid:2.16.840.1.113883.2.24.1.3|VN-ADT-000731-1');
      expect(observation.note?.[0]?.text).toBe(`taken for Encounter/${encounter.id}`);
    });
  });

  describe('atomicity: all or nothing (http.html#transaction)', () => {
    it('one invalid resource: 400 naming the entry, nothing stored', async () => {
      const bundle = adtTransaction();
      (bundle.entry![4]!.resource as Observation).status = 'final ' as Observation['status'];
      (bundle.entry![4]!.resource as Observation & { valueText: string }).valueText = 'x';
      const answer = await fhir.post<OperationOutcome>('/fhir', bundle);
      expect(answer.status).toBe(400);
      expect(expressions(answer.body).sort()).toEqual(['Bundle.entry[4].resource.status', 'Bundle.entry[4].resource.valueText']);
      expect(repository.counts()).toEqual({});
    });

    it('an entry failing while the transaction runs: earlier writes are undone', async () => {
      await fhir.post('/fhir', adtTransaction());
      const before = await only<Patient>(`Patient?identifier=${MRN}|BN2024-004512`);
      const bundle = adtTransaction();
      (bundle.entry![0]!.resource as Patient).gender = 'other';
      // reads run last (#trules step 4); this one finds nothing, after every write was made
      bundle.entry!.push({ request: { method: 'GET', url: 'Patient/no-such-patient' } });
      bundle.entry!.push({ fullUrl: 'urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-1a2b3c4d5e99', resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'NEW-1' }] }, request: { method: 'POST', url: 'Patient' } });
      const answer = await fhir.post<OperationOutcome>('/fhir', bundle);
      expect(answer.status).toBe(404);
      const after = await only<Patient>(`Patient?identifier=${MRN}|BN2024-004512`);
      expect(after.gender).toBe('female');
      expect(after.meta?.versionId).toBe(before.meta?.versionId);
      expect((await fhir.get<Bundle>(`/fhir/Patient/${before.id}/_history`)).body.entry).toHaveLength(1);
      expect((await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|NEW-1`)).body.total).toBe(0);
      expect(repository.counts()).toEqual({ Patient: 1, Practitioner: 1, Encounter: 1, Observation: 3 });
    });

    it('a stale If-Match on one entry: 412, nothing changed', async () => {
      await fhir.post('/fhir', adtTransaction());
      const bundle = adtTransaction();
      bundle.entry![0]!.request!.ifMatch = 'W/"stale"';
      (bundle.entry![3]!.resource as Observation).status = 'amended';
      expect((await fhir.post('/fhir', bundle)).status).toBe(412);
      expect((await only<Observation>('Observation?identifier=urn:oid:2.16.840.1.113883.2.24.1.3|VN-ADT-000731-1')).status).toBe('final');
    });
  });

  describe('conditions that do not select one resource', () => {
    it('412 when a conditional update or create matches several resources', async () => {
      const twin: Patient = { resourceType: 'Patient', identifier: [{ system: MRN, value: 'BN2024-004512' }] };
      await fhir.post('/fhir/Patient', twin);
      await fhir.post('/fhir/Patient', twin);
      const answer = await fhir.post<OperationOutcome>('/fhir', adtTransaction());
      expect(answer.status).toBe(412);
      expect(expressions(answer.body)).toEqual(['Bundle.entry[0].request.url']);
      expect(repository.counts()).toEqual({ Patient: 2 });
    });

    it('400 when two entries carry the same condition (#trules: identities must not overlap)', async () => {
      const bundle = adtTransaction();
      bundle.entry!.push({ ...structuredClone(bundle.entry![0]!), fullUrl: 'urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-1a2b3c4d5e98' });
      const answer = await fhir.post<OperationOutcome>('/fhir', bundle);
      expect(answer.status).toBe(400);
      expect(answer.body.issue?.[0]?.details?.text).toContain('Bundle.entry[0] and Bundle.entry[6] have the same condition');
      expect(repository.counts()).toEqual({});
    });
  });

  describe('batch', () => {
    it('runs entries independently: a bad one fails alone', async () => {
      const bundle: Bundle = { ...adtTransaction(), type: 'batch' };
      (bundle.entry![0]!.resource as Patient).birthDate = 'yesterday';
      const answer = await fhir.post<Bundle>('/fhir', bundle);
      expect(answer.status).toBe(200);
      expect(answer.body.type).toBe('batch-response');
      expect(answer.body.entry?.[0]?.response?.status).toBe('400');
      expect(answer.body.entry?.slice(1).every((e) => e.response?.status === '201')).toBe(true);
    });
  });
});

describe('which processor runs a transaction', () => {
  beforeEach(() => {
    repository = new MedibusRepository();
    app = buildFhirServer({ repository });
    fhir = client(app);
  });
  afterEach(() => app.close());

  it('medplum runs one with a DELETE, atomically too', async () => {
    const doomed = await fhir.post<Patient>('/fhir/Patient', { resourceType: 'Patient', identifier: [{ system: MRN, value: 'DOOMED' }] });
    const bundle = adtTransaction();
    bundle.entry!.push({ request: { method: 'DELETE', url: `Patient/${doomed.body.id}` } });
    bundle.entry!.push({ request: { method: 'GET', url: 'Patient/no-such-patient' } });
    expect((await fhir.post('/fhir', bundle)).status).toBe(404);
    expect(repository.counts()).toEqual({ Patient: 1 });
    bundle.entry!.pop();
    const answer = await fhir.post<Bundle>('/fhir', bundle);
    expect(answer.status).toBe(200);
    expect((await fhir.get(`/fhir/Patient/${doomed.body.id}`)).status).toBe(404);
    expect(repository.counts()).toEqual({ Patient: 1, Practitioner: 1, Encounter: 1, Observation: 3 });
  });

  it('a PUT to an id that does not exist creates it and answers 201 (http.html#update)', async () => {
    const patient: Patient = { resourceType: 'Patient', id: 'chosen-id', identifier: [{ system: MRN, value: 'CHOSEN' }] };
    const answer = await fhir.post<Bundle>('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient, request: { method: 'PUT', url: 'Patient/chosen-id' } }] });
    expect(answer.body.entry?.[0]?.response).toMatchObject({ status: '201', location: 'Patient/chosen-id' });
    const again = await fhir.post<Bundle>('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient, request: { method: 'PUT', url: 'Patient/chosen-id' } }] });
    expect(again.body.entry?.[0]?.response?.status).toBe('200');
  });

  it('two entries naming one resource fail the transaction (#trules)', async () => {
    const patient: Patient = { resourceType: 'Patient', id: 'same', identifier: [{ system: MRN, value: 'SAME' }] };
    const entry = { resource: patient, request: { method: 'PUT' as const, url: 'Patient/same' } };
    const answer = await fhir.post<OperationOutcome>('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [entry, structuredClone(entry)] });
    expect(answer.status).toBe(400);
    expect(expressions(answer.body)).toEqual(['Bundle.entry[1].request.url']);
    expect(repository.counts()).toEqual({});
  });
});
