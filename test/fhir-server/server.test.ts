/**
 * The server on a real socket (127.0.0.1, a free port) with fetch, as the delivery worker and
 * the engine's dev mode use it; stop/start for outages; the `medibus fhir-server` command.
 */
import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/fhir-server.js';
import { startFhirServer, type RunningFhirServer } from '../../src/fhir-server/index.js';
import { adtTransaction, fixture } from './support.js';

const FHIR_JSON = { 'content-type': 'application/fhir+json' };
const MRN = 'urn:oid:2.16.840.1.113883.2.24.1.1';

async function call<T>(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: (text === '' ? undefined : JSON.parse(text)) as T };
}

describe('a listening server', () => {
  let server: RunningFhirServer;
  beforeAll(async () => {
    server = await startFhirServer({ port: 0 });
  });
  afterAll(() => server.stop());

  it('binds 127.0.0.1 and reports its base URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  });

  it('serves create, read, search and delete over HTTP', async () => {
    const created = await call<Patient>(`${server.url}/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(fixture('patient.json')) });
    expect(created.status).toBe(201);
    expect(created.type).toBe('application/fhir+json; charset=utf-8');
    const read = await call<Patient>(`${server.url}/Patient/${created.body.id}`);
    expect(read.body.birthDate).toBe('1978-11-05');
    const found = await call<Bundle>(`${server.url}/Patient?identifier=${encodeURIComponent(`${MRN}|BN2024-009001`)}`);
    expect(found.body.total).toBe(1);
    expect(found.body.entry?.[0]?.fullUrl).toBe(`${server.url}/Patient/${created.body.id}`);
    expect((await call(`${server.url}/Patient/${created.body.id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('takes a transaction twice and keeps one of each; answers 400 to an invalid resource', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await call<Bundle>(server.url, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(adtTransaction()) });
      expect(answer.status).toBe(200);
    }
    expect(server.repository.counts()).toMatchObject({ Patient: 1, Encounter: 1, Practitioner: 1, Observation: 3 });
    const invalid = await call<OperationOutcome>(`${server.url}/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(fixture('patient-invalid.json')) });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issue?.map((issue) => issue.expression?.[0])).toEqual(['Patient.birthDate', 'Patient.nickname']);
  });

  it('serves the CapabilityStatement', async () => {
    const metadata = await call<{ resourceType: string; implementation: { url: string } }>(`${server.url}/metadata`);
    expect(metadata.body.resourceType).toBe('CapabilityStatement');
    expect(metadata.body.implementation.url).toBe(server.url);
  });
});

describe('outages', () => {
  it('refuses connections once stopped, and comes back on the same port with its data', async () => {
    const first = await startFhirServer({ port: 0, base: '/r4/' });
    expect(first.url).toMatch(/\/r4$/);
    const created = await call<Patient>(`${first.url}/Patient`, { method: 'POST', headers: FHIR_JSON, body: JSON.stringify(fixture('patient.json')) });
    // a keep-alive connection is open now; stop() must not wait for it to time out
    await first.stop();
    await expect(fetch(`${first.url}/metadata`)).rejects.toThrow();
    const port = Number(new URL(first.url).port);
    const second = await startFhirServer({ port, base: '/r4', repository: first.repository });
    try {
      expect((await call<Patient>(`${second.url}/Patient/${created.body.id}`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

describe('medibus fhir-server', () => {
  it('prints the base URL, serves, and stops when told', async () => {
    const out: string[] = [];
    const stop = new AbortController();
    const running = run(['--port', '0', '--base', '/fhir'], { out: (text) => out.push(text), err: () => undefined, signal: stop.signal });
    await expect.poll(() => out.length, { timeout: 10_000 }).toBe(1);
    const url = out[0]!.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    expect((await call(`${url}/metadata`)).status).toBe(200);
    stop.abort();
    await expect(running).resolves.toBe(0);
    await expect(fetch(`${url}/metadata`)).rejects.toThrow();
  });

  it('reports usage errors with status 2', async () => {
    const err: string[] = [];
    for (const argv of [[], ['--port', 'x'], ['--port', '1', '--validation', 'strict'], ['--port', '1', '--history', '0']]) {
      expect(await run(argv, { out: () => undefined, err: (text) => err.push(text) }), argv.join(' ')).toBe(2);
    }
    expect(err.join('')).toContain('--port is required');
  });

  it('warns before listening on every interface, and fails with status 1 on a port in use', async () => {
    const busy = await startFhirServer({ port: 0 });
    try {
      const err: string[] = [];
      // the port is held on 127.0.0.1, so the wildcard bind fails at once: nothing listens on 0.0.0.0
      const status = await run(['--port', new URL(busy.url).port, '--host', '0.0.0.0'], { out: () => undefined, err: (text) => err.push(text) });
      expect(status).toBe(1);
      expect(err.join('')).toContain('MEDIBUS_ERR_CONFIG_EXPOSED');
      expect(err.join('')).toContain('is in use');
    } finally {
      await busy.stop();
    }
  });
});
