/**
 * The RESTful interactions of the development FHIR server through fastify's inject():
 * R4 http.html#read, #vread, #search, #create, #update, #delete, #history, #ccreate,
 * #cond-update, #capabilities, and the OperationOutcome answers of #Status.
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFhirServer } from '../../src/fhir-server/app.js';
import { client, expressions, fixture, resources, type Client } from './support.js';

const MRN = 'urn:oid:2.16.840.1.113883.2.24.1.1';
const patient = (value: string, family = 'Lê'): Patient => ({ resourceType: 'Patient', identifier: [{ system: MRN, value }], name: [{ family }] });

let app: FastifyInstance;
let fhir: Client;

beforeAll(() => {
  app = buildFhirServer();
  fhir = client(app);
});
afterAll(() => app.close());

describe('read, vread, update, delete', () => {
  it('creates, reads, updates to a new version, reads the old one, deletes', async () => {
    const created = await fhir.post<Patient>('/fhir/Patient', fixture('patient.json'));
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const { id, meta } = created.body;
    expect(created.headers.location).toBe(`http://localhost:80/fhir/Patient/${id}/_history/${meta?.versionId}`);
    expect(created.headers.etag).toBe(`W/"${meta?.versionId}"`);

    const read = await fhir.get<Patient>(`/fhir/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.name?.[0]?.family).toBe('Lê');

    const updated = await fhir.put<Patient>(`/fhir/Patient/${id}`, { ...read.body, gender: 'other' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta?.versionId).not.toBe(meta?.versionId);

    const old = await fhir.get<Patient>(`/fhir/Patient/${id}/_history/${meta?.versionId}`);
    expect(old.body.gender).toBe('male');
    const history = await fhir.get<Bundle>(`/fhir/Patient/${id}/_history`);
    expect(history.body.entry).toHaveLength(2);

    expect((await fhir.delete(`/fhir/Patient/${id}`)).status).toBe(200);
    expect((await fhir.get(`/fhir/Patient/${id}`)).status).toBe(404);
  });

  it('answers 412 to an update whose If-Match names another version (http.html#concurrency)', async () => {
    const { body } = await fhir.post<Patient>('/fhir/Patient', patient('IFMATCH-1'));
    const stale = await fhir.put(`/fhir/Patient/${body.id}`, body, { 'if-match': 'W/"not-the-version"' });
    expect(stale.status).toBe(412);
    const fresh = await fhir.put(`/fhir/Patient/${body.id}`, body, { 'if-match': `W/"${body.meta?.versionId}"` });
    expect(fresh.status).toBe(200);
  });

  it('patches with JSON Patch (http.html#patch), and validates the result', async () => {
    const { body } = await fhir.post<Patient>('/fhir/Patient', patient('PATCH-1'));
    const patch = (ops: unknown) => app.inject({ method: 'PATCH', url: `/fhir/Patient/${body.id}`, headers: { 'content-type': 'application/json-patch+json' }, payload: JSON.stringify(ops) });
    const good = await patch([{ op: 'add', path: '/birthDate', value: '1990-02-14' }]);
    expect(good.statusCode).toBe(200);
    expect(JSON.parse(good.body).birthDate).toBe('1990-02-14');
    const bad = await patch([{ op: 'replace', path: '/birthDate', value: '14/02/1990' }]);
    expect(bad.statusCode).toBe(400);
    expect(expressions(JSON.parse(bad.body))).toEqual(['Patient.birthDate']);
    expect((await fhir.get<Patient>(`/fhir/Patient/${body.id}`)).body.birthDate).toBe('1990-02-14');
  });

  it('answers 404 with an OperationOutcome for a missing resource, an unknown type or a path outside the base', async () => {
    for (const url of ['/fhir/Patient/does-not-exist', '/fhir/Nonsense/1', '/elsewhere']) {
      const answer = await fhir.get<OperationOutcome>(url);
      expect(answer.status, url).toBe(404);
      expect(answer.body.resourceType).toBe('OperationOutcome');
    }
  });
});

describe('search', () => {
  it('finds by identifier=system|value, counts, sorts and pages', async () => {
    for (const [value, family] of [['S-1', 'Bùi'], ['S-2', 'Anh'], ['S-3', 'Cao']] as const) await fhir.post('/fhir/Patient', patient(value, family));
    const one = await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|S-2`);
    expect(one.status).toBe(200);
    expect(one.body.total).toBe(1);
    expect(one.body.entry?.[0]?.fullUrl).toMatch(/^http:\/\/localhost:80\/fhir\/Patient\/[0-9a-f-]{36}$/);
    expect(resources<Patient>(one.body)[0]?.name?.[0]?.family).toBe('Anh');

    const either = await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|S-1,${MRN}|S-3&_sort=-family`);
    expect(resources<Patient>(either.body).map((p) => p.name?.[0]?.family)).toEqual(['Cao', 'Bùi']);

    const page = await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|S-1,${MRN}|S-2,${MRN}|S-3&_sort=family&_count=2`);
    expect(page.body.total).toBe(3);
    expect(resources<Patient>(page.body).map((p) => p.name?.[0]?.family)).toEqual(['Anh', 'Bùi']);

    const none = await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|S-404`);
    expect(none.body.total).toBe(0);
    expect(none.body.entry).toBeUndefined();
  });

  it('matches identifiers exactly, escapes included (search.html#escaping)', async () => {
    await fhir.post('/fhir/Patient', patient('A|B,C'));
    const escaped = encodeURIComponent(`${MRN}|A\\|B\\,C`);
    expect((await fhir.get<Bundle>(`/fhir/Patient?identifier=${escaped}`)).body.total).toBe(1);
    expect((await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|a%5C|b%5C,c`)).body.total).toBe(0);
  });

  it('searches by POST with form-encoded parameters, and answers HEAD without a body', async () => {
    await fhir.post('/fhir/Patient', patient('POST-1'));
    const reply = await app.inject({ method: 'POST', url: '/fhir/Patient/_search', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `identifier=${encodeURIComponent(`${MRN}|POST-1`)}` });
    expect(JSON.parse(reply.body).total).toBe(1);
    const head = await app.inject({ method: 'HEAD', url: `/fhir/Patient?identifier=${MRN}|POST-1` });
    expect([head.statusCode, head.body]).toEqual([200, '']);
  });

  it('still answers searches the index cannot (medplum scans)', async () => {
    await fhir.post('/fhir/Patient', patient('SCAN-1', 'Đặng'));
    const byName = await fhir.get<Bundle>('/fhir/Patient?family=Đặng');
    expect(resources<Patient>(byName.body).map((p) => p.identifier?.[0]?.value)).toEqual(['SCAN-1']);
  });
});

describe('conditional create and update', () => {
  it('If-None-Exist: the second create returns the first resource, 200, and stores nothing (http.html#ccreate)', async () => {
    const headers = { 'if-none-exist': `identifier=${MRN}|CC-1` };
    const first = await fhir.post<Patient>('/fhir/Patient', patient('CC-1'), headers);
    const second = await fhir.post<Patient>('/fhir/Patient', patient('CC-1', 'Other'), headers);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.name?.[0]?.family).toBe('Lê');
    expect((await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|CC-1`)).body.total).toBe(1);
  });

  it('PUT Type?identifier=…: creates, then updates the same resource (http.html#cond-update)', async () => {
    const url = `/fhir/Patient?identifier=${MRN}|CU-1`;
    const created = await fhir.put<Patient>(url, patient('CU-1', 'First'));
    const updated = await fhir.put<Patient>(url, patient('CU-1', 'Second'));
    expect([created.status, updated.status]).toEqual([201, 200]);
    expect(updated.body.id).toBe(created.body.id);
    const found = await fhir.get<Bundle>(url);
    expect(found.body.total).toBe(1);
    expect(resources<Patient>(found.body)[0]?.name?.[0]?.family).toBe('Second');
  });

  it('answers 412 when the condition matches several resources', async () => {
    await fhir.post('/fhir/Patient', patient('DUP-1'));
    await fhir.post('/fhir/Patient', patient('DUP-1'));
    expect((await fhir.put(`/fhir/Patient?identifier=${MRN}|DUP-1`, patient('DUP-1'))).status).toBe(412);
    expect((await fhir.post('/fhir/Patient', patient('DUP-1'), { 'if-none-exist': `identifier=${MRN}|DUP-1` })).status).toBe(412);
  });
});

describe('errors and preferences', () => {
  it('rejects an invalid resource with 400 and the FHIR path of each problem, storing nothing', async () => {
    const answer = await fhir.post<OperationOutcome>('/fhir/Patient', fixture('patient-invalid.json'));
    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(expressions(answer.body).sort()).toEqual(['Patient.birthDate', 'Patient.nickname']);
    expect((await fhir.get<Bundle>(`/fhir/Patient?identifier=${MRN}|BN2024-009002`)).body.total).toBe(0);
  });

  it('refuses PUT and DELETE on a type without criteria, which would hit whatever single resource is there', async () => {
    await fhir.post('/fhir/Organization', { resourceType: 'Organization', name: 'Only one' });
    expect((await fhir.put('/fhir/Organization', { resourceType: 'Organization', name: 'Overwritten' })).status).toBe(400);
    expect((await fhir.delete('/fhir/Organization')).status).toBe(400);
    expect((await fhir.get<Bundle>('/fhir/Organization?name=Only')).body.total).toBe(1);
  });

  it('rejects a body that is not JSON with 400, and a type mismatch with 400', async () => {
    const reply = await app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json' }, payload: '{"resourceType":' });
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body).resourceType).toBe('OperationOutcome');
    expect((await fhir.post('/fhir/Observation', patient('TYPE-1'))).status).toBe(400);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome (http.html, Managing Return Content)', async () => {
    const minimal = await app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, payload: patient('PREF-1') });
    expect(minimal.statusCode).toBe(201);
    expect(minimal.body).toBe('');
    expect(minimal.headers.location).toContain('/fhir/Patient/');
    const outcome = await fhir.post<OperationOutcome>('/fhir/Patient', patient('PREF-2'), { prefer: 'return=OperationOutcome' });
    expect(outcome.body.resourceType).toBe('OperationOutcome');
  });
});

describe('about the server', () => {
  it('serves a CapabilityStatement at metadata', async () => {
    const { status, body } = await fhir.get<CapabilityStatement>('/fhir/metadata');
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const rest = body.rest?.[0];
    expect(rest?.interaction?.map((i) => i.code)).toContain('transaction');
    const patientRest = rest?.resource?.find((r) => r.type === 'Patient');
    expect(patientRest).toMatchObject({ conditionalCreate: true, conditionalUpdate: true, updateCreate: true });
    expect(patientRest?.searchParam?.map((p) => p.name)).toContain('identifier');
  });

  it('counts resources by type at _medibus/stats', async () => {
    const reply = await app.inject({ method: 'GET', url: '/fhir/_medibus/stats' });
    const stats = JSON.parse(reply.body) as { total: number; resources: Record<string, number> };
    expect(stats.resources.Patient).toBeGreaterThan(5);
    expect(stats.total).toBe(Object.values(stats.resources).reduce((a, b) => a + b, 0));
  });
});
