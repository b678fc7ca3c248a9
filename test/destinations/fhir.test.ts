import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fhirDestination } from '../../src/destinations/fhir.js';
import { closedPort, createDestination, fakeServer, fixturePath, jsonFixture, outbound, outcome, runCleanup } from './support.js';

afterEach(runCleanup);

const OK = jsonFixture('transaction-response-ok.json');
const created = (): { status: number; body: unknown } => ({ status: 200, body: OK });

describe('fhir destination', () => {
  it('POSTs the transaction Bundle to the base URL with FHIR headers and resolves when every entry is 2xx', async () => {
    const server = await fakeServer();
    server.on('/fhir', created);
    const emr = createDestination(fhirDestination, { url: `${server.url('/fhir')}/`, auth: { type: 'bearer', token: '${EMR_TOKEN}' } }, { EMR_TOKEN: 'tok-123' });
    const message = outbound();
    expect(await outcome(emr.deliver(message, new AbortController().signal))).toBe('delivered');
    const [request] = server.received;
    expect(request?.path).toBe('/fhir');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/fhir+json',
      accept: 'application/fhir+json',
      prefer: 'return=minimal',
      authorization: 'Bearer tok-123',
      'x-request-id': message.messageId,
    });
    expect(JSON.parse(request?.body.toString('utf8') ?? '')).toEqual(message.bundle);
  });

  it('keeps the connection alive between deliveries', async () => {
    const server = await fakeServer();
    server.on('/fhir', created);
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    for (let i = 0; i < 3; i++) await emr.deliver(outbound(), new AbortController().signal);
    expect(new Set(server.received.map((r) => r.remotePort)).size).toBe(1);
  });

  it('sends Prefer and extra headers as configured; its own headers win', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 201, body: OK }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir'), prefer: 'OperationOutcome', headers: { 'X-Tenant': 'bvbm', 'Content-Type': 'text/plain' } });
    await emr.deliver(outbound(), new AbortController().signal);
    expect(server.received[0]?.headers).toMatchObject({ prefer: 'return=OperationOutcome', 'x-tenant': 'bvbm', 'content-type': 'application/fhir+json' });
  });

  it('rejects a 400 with the OperationOutcome issues, without resource content', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 400, body: jsonFixture('operation-outcome-invalid.json') }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    const failure = await outcome(emr.deliver(outbound(), new AbortController().signal));
    expect(failure).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      retryable: false,
      message:
        `FHIR server ${server.url('/fhir')} answered 400 Bad Request (error invalid: Encounter.class: minimum required = 1, but only found 0 at Bundle.entry[1].resource.class; ` +
        'warning code-invalid: Unknown code in Patient.gender value set at Bundle.entry[0].resource.gender)',
    });
    expect(JSON.stringify(failure)).not.toContain('Nguyễn');
  });

  it('cuts the patient\'s data a server quotes back (HAPI-0958 match URL, validator values) out of the error, keeping its words', async () => {
    const server = await fakeServer();
    const hapi = (diagnostics: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics }] });
    server.on('/fhir', (_r, i) =>
      i === 0
        ? { status: 412, body: hapi('HAPI-0958: Failed to UPDATE resource with match URL "Patient?identifier=urn%3Aoid%3A2.16.840.1.113883.2.24.1.1%7CBN2024-004512" because this search matched 2 resources') }
        : { status: 400, body: hapi('HAPI-1821: [element="family"] Invalid attribute value "Nguyễn" (Nguy%E1%BB%85n), born 1990-02-14, given Thị') },
    );
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    const first = await outcome(emr.deliver(outbound(), new AbortController().signal));
    expect(first).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
    expect(JSON.stringify(first)).toContain('answered 412 Precondition Failed (error processing: HAPI-0958: Failed to UPDATE resource with match URL \\"Patient?identifier=urn%3Aoid%3A2.16.840.1.113883.2.24.1.1%7C…\\" because this search matched 2 resources)');
    const second = JSON.stringify(await outcome(emr.deliver(outbound(), new AbortController().signal)));
    expect(second).toContain('HAPI-1821: [element=\\"family\\"] Invalid attribute value \\"…\\" (…), born …, given …');
    for (const phi of ['BN2024-004512', 'Nguyễn', 'Nguy%E1%BB%85n', '1990-02-14', 'Thị']) expect(second + JSON.stringify(first)).not.toContain(phi);
  });

  it('rejects a 2xx whose batch-response has a failed entry, naming the entry and its status', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 200, body: jsonFixture('batch-response-entry-failed.json') }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    expect(await outcome(emr.deliver(outbound(), new AbortController().signal))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      retryable: false,
      message: `FHIR server ${server.url('/fhir')} answered 2xx but the batch-response has 1 failed entry: entry 1: 412 Precondition Failed (error multiple-matches: Conditional update matched 2 resources)`,
    });
  });

  it('retries 429 and 503 and carries Retry-After (seconds or HTTP-date) as retryAfterMs', async () => {
    const server = await fakeServer();
    const later = new Date(Date.now() + 120_000).toUTCString();
    server.on('/fhir', (_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 503, headers: { 'retry-after': later } }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    const first = await outcome(emr.deliver(outbound(), new AbortController().signal));
    expect(first).toEqual({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true, retryAfterMs: 7000, message: `FHIR server ${server.url('/fhir')} answered 429 Too Many Requests; Retry-After 7 s` });
    const second = await outcome(emr.deliver(outbound(), new AbortController().signal));
    expect(second).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true });
    expect(second !== 'delivered' && second.retryAfterMs).toBeGreaterThan(100_000);
  });

  it('retries a 500, and says an HTML error page is not shown', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 500, headers: { 'content-type': 'text/html' }, body: '<html>Nguyễn stack trace</html>' }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    expect(await outcome(emr.deliver(outbound(), new AbortController().signal))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `FHIR server ${server.url('/fhir')} answered 500 Internal Server Error (33-byte text/html body not shown)`,
    });
  });

  it('classifies 401 and 403 as auth failures (retryable), without asking again with a static token', async () => {
    const server = await fakeServer();
    server.on('/fhir', (_r, i) => ({ status: i === 0 ? 401 : 403 }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir'), auth: { type: 'basic', username: 'medibus', password: '${PW}' } }, { PW: 'pä:ss' });
    expect(await outcome(emr.deliver(outbound(), new AbortController().signal))).toEqual({ code: 'MEDIBUS_ERR_DELIVERY_AUTH', retryable: true, message: `FHIR server ${server.url('/fhir')} answered 401 Unauthorized` });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from('medibus:pä:ss', 'utf8').toString('base64')}`);
    expect(await outcome(emr.deliver(outbound(), new AbortController().signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_AUTH', retryable: true });
  });

  it('retries a server slower than the timeout', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 200, body: OK, delayMs: 1000 }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir'), timeout: '200ms' });
    expect(await outcome(emr.deliver(outbound(), new AbortController().signal))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `POST ${server.url('/fhir')}: no complete answer within 200 ms`,
    });
  });

  it('retries when the connection is refused or the host name does not resolve', async () => {
    const port = await closedPort();
    const refused = createDestination(fhirDestination, { url: `http://127.0.0.1:${port}/fhir` });
    expect(await outcome(refused.deliver(outbound(), new AbortController().signal))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `POST http://127.0.0.1:${port}/fhir: connection refused (ECONNREFUSED)`,
    });
    // RFC 6761 §6.4: .invalid names never resolve
    const nowhere = createDestination(fhirDestination, { url: 'http://emr.medibus.invalid/fhir', timeout: '5s' });
    expect(await outcome(nowhere.deliver(outbound(), new AbortController().signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true, message: expect.stringMatching(/^POST http:\/\/emr\.medibus\.invalid\/fhir: (host name not found|DNS)/) });
  });

  it('rejects a message without a Bundle, or with a Bundle that is not a transaction, without calling the server', async () => {
    const server = await fakeServer();
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    expect(await outcome(emr.deliver(outbound({ bundle: undefined }), new AbortController().signal))).toMatchObject({
      code: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      message: expect.stringContaining('the message has no FHIR Bundle: a fhir destination needs a channel with transform.mapping'),
    });
    expect(await outcome(emr.deliver(outbound({ bundle: { resourceType: 'Bundle', type: 'collection' } }), new AbortController().signal))).toMatchObject({
      code: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      message: 'the mapping produced a Bundle of type "collection"; a FHIR server takes only transaction or batch Bundles at its base URL',
    });
    expect(server.received).toHaveLength(0);
  });

  it('stops waiting when the signal aborts', async () => {
    const server = await fakeServer();
    server.on('/fhir', () => ({ status: 200, body: OK, delayMs: 1500 }));
    const emr = createDestination(fhirDestination, { url: server.url('/fhir') });
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 100);
    expect(await outcome(emr.deliver(outbound(), abort.signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', message: expect.stringContaining('aborted') });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('trusts the CA named in tls.ca, and refuses the same server without it', async () => {
    const tls = { key: readFileSync(fixturePath('destinations', 'tls', 'server-key.pem'), 'utf8'), cert: readFileSync(fixturePath('destinations', 'tls', 'server-cert.pem'), 'utf8') };
    const server = await fakeServer(tls);
    server.on('/fhir', created);
    const trusted = createDestination(fhirDestination, { url: server.url('/fhir'), tls: { ca: fixturePath('destinations', 'tls', 'ca.pem') } });
    expect(await outcome(trusted.deliver(outbound(), new AbortController().signal))).toBe('delivered');
    const untrusted = createDestination(fhirDestination, { url: server.url('/fhir') });
    expect(await outcome(untrusted.deliver(outbound(), new AbortController().signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', message: expect.stringContaining('certificate') });
  });
});
