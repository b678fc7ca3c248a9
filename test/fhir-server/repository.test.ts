/**
 * MedibusRepository (repository.ts) and its identifier index (identifier-index.ts) used
 * directly: the index stays in step with every write and undo, transactions are atomic,
 * writers take turns, history is bounded.
 */
import { OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { DocumentReference, Observation, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir-server/definitions.js';
import { parseIdentifierTokens, planIndexedSearch } from '../../src/fhir-server/identifier-index.js';
import { MedibusRepository } from '../../src/fhir-server/repository.js';

const SYS = 'urn:oid:1.2.3';
const patient = (value: string, extra: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', identifier: [{ system: SYS, value }], ...extra });

beforeAll(() => loadFhirDefinitions());

async function ids(repo: MedibusRepository, query: string): Promise<string[]> {
  return (await repo.searchResources(parseSearchRequest(query))).map((resource) => resource.id);
}

describe('identifier tokens', () => {
  it('reads system|value, alternatives, and the escapes of search.html#escaping', () => {
    expect(parseIdentifierTokens('urn:a|1')).toEqual([{ system: 'urn:a', value: '1' }]);
    expect(parseIdentifierTokens('urn:a|1,urn:b|2')).toEqual([{ system: 'urn:a', value: '1' }, { system: 'urn:b', value: '2' }]);
    expect(parseIdentifierTokens('urn:a|x\\|y\\,z\\$\\\\')).toEqual([{ system: 'urn:a', value: 'x|y,z$\\' }]);
  });

  it('leaves other token forms to the scan', () => {
    for (const text of ['1', '|1', 'urn:a|', 'urn:a|1|2']) expect(parseIdentifierTokens(text), text).toBeUndefined();
    expect(planIndexedSearch(parseSearchRequest(`Patient?identifier:not=${SYS}|1`))).toBeUndefined();
    expect(planIndexedSearch(parseSearchRequest(`Patient?identifier=${SYS}|1&_include=Patient:organization`))).toBeUndefined();
    expect(planIndexedSearch(parseSearchRequest(`Patient?identifier=${SYS}|1&gender=male`))?.rest).toHaveLength(1);
  });
});

describe('the identifier index', () => {
  it('follows creates, updates that change identifiers, and deletes', async () => {
    const repo = new MedibusRepository();
    const created = await repo.createResource(patient('A', { identifier: [{ system: SYS, value: 'A' }, { system: 'urn:other', value: 'A2' }] }));
    expect(await ids(repo, `Patient?identifier=urn:other|A2`)).toEqual([created.id]);
    await repo.updateResource({ ...created, identifier: [{ system: SYS, value: 'B' }] });
    expect(await ids(repo, `Patient?identifier=${SYS}|A`)).toEqual([]);
    expect(await ids(repo, `Patient?identifier=urn:other|A2`)).toEqual([]);
    expect(await ids(repo, `Patient?identifier=${SYS}|B`)).toEqual([created.id]);
    await repo.deleteResource('Patient', created.id);
    expect(await ids(repo, `Patient?identifier=${SYS}|B`)).toEqual([]);
  });

  it('applies the other filters of the search to what it finds', async () => {
    const repo = new MedibusRepository();
    const male = await repo.createResource(patient('G', { gender: 'male' }));
    await repo.createResource(patient('G', { gender: 'female' }));
    expect(await ids(repo, `Patient?identifier=${SYS}|G&gender=male`)).toEqual([male.id]);
    expect((await repo.search(parseSearchRequest(`Patient?identifier=${SYS}|G&_count=1`))).total).toBe(2);
  });

  it('indexes every element the identifier parameter reads (DocumentReference.masterIdentifier)', async () => {
    const repo = new MedibusRepository();
    const doc = await repo.createResource<DocumentReference>({
      resourceType: 'DocumentReference',
      status: 'current',
      masterIdentifier: { system: SYS, value: 'M' },
      content: [{ attachment: { contentType: 'text/plain', data: 'eA==' } }],
    });
    expect(await ids(repo, `DocumentReference?identifier=${SYS}|M`)).toEqual([doc.id]);
  });
});

describe('transactions', () => {
  it('undo every write of a failed transaction: stores, index and history', async () => {
    const repo = new MedibusRepository();
    const kept = await repo.createResource(patient('KEEP', { gender: 'male' }));
    const failure = repo.withTransaction(async () => {
      await repo.updateResource({ ...kept, gender: 'female' });
      await repo.createResource(patient('NEW'));
      await repo.deleteResource('Patient', kept.id);
      throw new Error('entry 4 failed');
    });
    await expect(failure).rejects.toThrow('entry 4 failed');
    const after = await repo.readResource<Patient>('Patient', kept.id);
    expect(after.gender).toBe('male');
    expect(after.meta?.versionId).toBe(kept.meta?.versionId);
    expect(await ids(repo, `Patient?identifier=${SYS}|KEEP`)).toEqual([kept.id]);
    expect(await ids(repo, `Patient?identifier=${SYS}|NEW`)).toEqual([]);
    expect((await repo.readHistory('Patient', kept.id)).entry).toHaveLength(1);
    expect(repo.counts()).toEqual({ Patient: 1 });
  });

  it('let one writer in at a time: concurrent conditional creates make one resource (http.html#ccreate)', async () => {
    const repo = new MedibusRepository();
    const search = parseSearchRequest<Patient>(`Patient?identifier=${SYS}|RACE`);
    const results = await Promise.all(Array.from({ length: 10 }, () => repo.conditionalCreate(patient('RACE'), { ...search })));
    expect(new Set(results.map((result) => result.resource.id)).size).toBe(1);
    expect(results.filter((result) => result.outcome.id === 'created')).toHaveLength(1);
  });

  it('a failed section does not stop the next one', async () => {
    const repo = new MedibusRepository();
    await expect(repo.exclusive(async () => Promise.reject(new Error('first')))).rejects.toThrow('first');
    await expect(repo.exclusive(async () => 'second')).resolves.toBe('second');
  });
});

describe('writes', () => {
  it('validate, and refuse an invalid resource with an OperationOutcomeError', async () => {
    const repo = new MedibusRepository();
    const error = await repo.createResource({ resourceType: 'Observation', status: 'final' } as Observation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationOutcomeError);
    expect((error as OperationOutcomeError).outcome.issue?.[0]?.expression).toEqual(['Observation.code']);
    await expect(new MedibusRepository({ validation: 'medplum' }).createResource({ resourceType: 'Patient', birthDate: 'x' } as Patient)).rejects.toBeInstanceOf(OperationOutcomeError);
    await expect(new MedibusRepository({ validation: 'off' }).createResource({ resourceType: 'Patient', birthDate: 'x' } as Patient)).resolves.toBeDefined();
  });

  it('assign a new version id and time on every write, and keep historyLimit versions', async () => {
    const repo = new MedibusRepository({ historyLimit: 3 });
    let current = await repo.createResource(patient('H', { meta: { versionId: 'client-chosen' } }));
    expect(current.meta?.versionId).not.toBe('client-chosen');
    for (let i = 0; i < 5; i++) current = await repo.updateResource({ ...current, active: i % 2 === 0 });
    const history = await repo.readHistory('Patient', current.id);
    expect(history.entry?.map((entry) => entry.resource?.meta?.versionId)[0]).toBe(current.meta?.versionId);
    expect(history.entry).toHaveLength(3);
  });

  it('hand back the stored object frozen, so a caller cannot change the store through it', async () => {
    const repo = new MedibusRepository();
    const mine = patient('F');
    const stored = await repo.createResource(mine);
    expect(() => {
      (stored as { gender?: string }).gender = 'male';
    }).toThrow(TypeError);
    mine.gender = 'female';
    expect((await repo.readResource<Patient>('Patient', stored.id)).gender).toBeUndefined();
  });
});
