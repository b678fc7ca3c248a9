/**
 * What @medplum/fhir-router 4.5.2 does by itself with medibus's transactions: FhirRouter and a
 * plain MemoryRepository, no medibus layer. Each test pins one finding that src/fhir-server
 * builds on or works around (see transaction.ts and repository.ts). If one fails after an
 * upgrade, medplum changed: revisit the workaround rather than the test.
 */
import { OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import { FhirRouter, MemoryRepository, type FhirResponse } from '@medplum/fhir-router';
import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir-server/definitions.js';
import { adtTransaction } from './support.js';

const MRN = 'urn:oid:2.16.840.1.113883.2.24.1.1';
let router: FhirRouter;
let repo: MemoryRepository;

beforeAll(() => loadFhirDefinitions());
beforeEach(() => {
  router = new FhirRouter();
  repo = new MemoryRepository();
});

function post(bundle: Bundle, transactions = true): Promise<FhirResponse> {
  return router.handleRequest({ method: 'POST', url: '', pathname: '', params: {}, query: {}, body: bundle, config: { transactions } }, repo);
}

async function count(resourceType: string, query = ''): Promise<number> {
  return (await repo.searchResources(parseSearchRequest(`${resourceType}?${query}`))).length;
}

describe('medplum 4.5.2 alone', () => {
  it('does conditional update/create and urn:uuid rewriting in a small transaction: posted twice, one of each', async () => {
    for (let i = 0; i < 2; i++) {
      const [outcome] = await post(adtTransaction());
      expect(outcome.id).toBe('ok');
    }
    expect(await count('Patient')).toBe(1);
    expect(await count('Practitioner')).toBe(1);
    expect(await count('Observation')).toBe(3);
    const [patient] = await repo.searchResources<Patient>(parseSearchRequest('Patient'));
    const [encounter] = await repo.searchResources<Encounter>(parseSearchRequest('Encounter'));
    expect(encounter?.subject?.reference).toBe(`Patient/${patient?.id}`);
  });

  it('refuses a transaction of more than 8 conditional entries (400 "strict isolation")', async () => {
    const bundle = adtTransaction();
    for (let i = 0; i < 3; i++) {
      // a copy each: medplum writes the ids it assigns into the posted bundle's resources
      bundle.entry!.push({ ...structuredClone(bundle.entry![3]!), fullUrl: `urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-00000000000${i}`, request: { method: 'PUT', url: `Observation?identifier=x|${i}` } });
    }
    const [outcome] = await post(bundle);
    expect(outcome.issue?.[0]?.details?.text).toBe('Transaction requires strict isolation but has too many entries');
  });

  it('is not atomic: MemoryRepository.withTransaction does not undo the writes of a failed transaction', async () => {
    const bundle = adtTransaction();
    bundle.entry!.push({ request: { method: 'GET', url: 'Patient/no-such-patient' } });
    const [outcome] = await post(bundle);
    expect(outcome.id).toBe('not-found');
    expect(await count('Patient')).toBe(1);
  });

  it('runs a transaction entry by entry, as a batch, unless the request config enables transactions', async () => {
    const bundle = adtTransaction();
    (bundle.entry![0]!.request as { url: string }).url = 'Patient/bad id';
    const [, response] = await post(bundle, false);
    expect((response as Bundle).type).toBe('transaction-response');
    expect(await count('Observation')).toBe(3);
  });

  it('answers 400, not 412, when a conditional update in a transaction matches several resources', async () => {
    await repo.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'BN2024-004512' }] });
    await repo.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'BN2024-004512' }] });
    const [outcome] = await post(adtTransaction());
    expect(outcome.issue?.[0]?.details?.text).toBe('Conditional PUT matched multiple resources');
    expect(outcome.id).toBeUndefined(); // getStatus() gives 400 for an outcome without id
  });

  it('fails two entries with the same unmatched condition only by accident, and keeps what ran before', async () => {
    const bundle = adtTransaction();
    bundle.entry!.push({ ...structuredClone(bundle.entry![0]!), fullUrl: 'urn:uuid:0b6c6d7e-3f1a-5c2e-9d41-1a2b3c4d5e98' });
    const [outcome] = await post(bundle);
    // the second PUT re-searches, finds the Patient the first one created, and its pre-assigned id differs
    expect(outcome.issue?.[0]?.details?.text).toBe('Resource ID did not match resolved ID');
    expect(await count('Patient', `identifier=${MRN}|BN2024-004512`)).toBe(1);
    expect(await count('Observation')).toBe(3);
  });

  it('scans: token search lower-cases both sides and splits at an escaped bar', async () => {
    await repo.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'ABC' }] });
    await repo.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'A|B' }] });
    expect(await count('Patient', `identifier=${MRN}|abc`)).toBe(1);
    expect(await count('Patient', `identifier=${encodeURIComponent(`${MRN}|A\\|B`)}`)).toBe(0);
  });

  it('validates nothing: MemoryRepository stores an invalid resource', async () => {
    const stored = await repo.createResource({ resourceType: 'Patient', birthDate: 'not a date' } as Patient);
    expect(stored.birthDate).toBe('not a date');
    await expect(repo.readResource('Patient', 'missing')).rejects.toBeInstanceOf(OperationOutcomeError);
  });
});
