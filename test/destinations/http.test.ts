import { afterEach, describe, expect, it } from 'vitest';
import { httpDestination } from '../../src/destinations/http.js';
import { closedPort, createDestination, fakeServer, outbound, outcome, runCleanup, type Answer } from './support.js';

afterEach(runCleanup);

const signal = (): AbortSignal => new AbortController().signal;

describe('http destination (webhook)', () => {
  it('POSTs { messageId, channel, controlId, messageType, receivedAt, bundle } as JSON with an idempotency key', async () => {
    const server = await fakeServer();
    server.on('/hook', () => ({ status: 202 }));
    const hook = createDestination(httpDestination, { url: `${server.url('/hook')}?key=\${HOOK_KEY}`, headers: { 'X-Source': 'medibus' } }, { HOOK_KEY: 'k1' });
    const message = outbound();
    expect(await outcome(hook.deliver(message, signal()))).toBe('delivered');
    const [request] = server.received;
    expect(request?.path).toBe('/hook?key=k1');
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': message.messageId, 'x-source': 'medibus' });
    expect(JSON.parse(request?.body.toString('utf8') ?? '')).toEqual({
      messageId: message.messageId,
      channel: 'adt-from-his',
      controlId: 'VN-ADT-000731',
      messageType: 'ADT^A01',
      receivedAt: '2024-03-05T03:15:00.000Z',
      bundle: message.bundle,
    });
  });

  it('sends the HL7 v2 text instead with payload: hl7, even without a Bundle', async () => {
    const server = await fakeServer();
    server.on('/hook', () => ({ status: 200, body: 'ok' }));
    const hook = createDestination(httpDestination, { url: server.url('/hook'), payload: 'hl7' });
    const message = outbound({ bundle: undefined });
    await hook.deliver(message, signal());
    const body = JSON.parse(server.received[0]?.body.toString('utf8') ?? '') as Record<string, unknown>;
    expect(body['hl7']).toBe(message.hl7);
    expect(body).not.toHaveProperty('bundle');
  });

  it('classifies statuses as the fhir destination does', async () => {
    const server = await fakeServer();
    const answers: Answer[] = [
      { status: 404, headers: { 'content-type': 'application/json' }, body: { error: 'no such hook' } },
      { status: 502 },
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 403 },
      { status: 408 },
      { status: 301, headers: { location: 'https://elsewhere.example.org/' } },
    ];
    server.on('/hook', (_r, i) => answers[i] ?? { status: 500 });
    const hook = createDestination(httpDestination, { url: server.url('/hook') });
    const results = [];
    for (let i = 0; i < answers.length; i++) results.push(await outcome(hook.deliver(outbound(), signal())));
    const who = `webhook ${server.url('/hook')}`;
    expect(results).toEqual([
      { code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false, message: `${who} answered 404 Not Found (no such hook)` },
      { code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true, message: `${who} answered 502 Bad Gateway` },
      { code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true, retryAfterMs: 30_000, message: `${who} answered 429 Too Many Requests; Retry-After 30 s` },
      { code: 'MEDIBUS_ERR_DELIVERY_AUTH', retryable: true, message: `${who} answered 403 Forbidden` },
      { code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryable: true, message: `${who} answered 408 Request Timeout` },
      { code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false, message: `${who} answered 301 Moved Permanently` },
    ]);
  });

  it('retries a refused connection and never shows the query (it may hold a key)', async () => {
    const port = await closedPort();
    const hook = createDestination(httpDestination, { url: `http://127.0.0.1:${port}/hook?key=secret` });
    expect(await outcome(hook.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `POST http://127.0.0.1:${port}/hook: connection refused (ECONNREFUSED)`,
    });
  });

  it('rejects payload: bundle for a message without a Bundle', async () => {
    const server = await fakeServer();
    const hook = createDestination(httpDestination, { url: server.url('/hook') });
    expect(await outcome(hook.deliver(outbound({ bundle: undefined }), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', message: expect.stringContaining('set payload: hl7') });
    expect(server.received).toHaveLength(0);
  });

  it('uses OAuth2 like the fhir destination', async () => {
    const server = await fakeServer();
    server.on('/token', () => ({ status: 200, body: { access_token: 'w1', token_type: 'Bearer', expires_in: 300 } }));
    server.on('/hook', () => ({ status: 204 }));
    const hook = createDestination(httpDestination, { url: server.url('/hook'), auth: { type: 'oauth2', tokenUrl: server.url('/token'), clientId: 'c', clientSecret: '${S}' } }, { S: 'x' });
    await hook.deliver(outbound(), signal());
    expect(server.received.find((r) => r.path === '/hook')?.headers.authorization).toBe('Bearer w1');
  });
});
