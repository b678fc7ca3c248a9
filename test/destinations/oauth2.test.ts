import { afterEach, describe, expect, it } from 'vitest';
import { fhirDestination } from '../../src/destinations/fhir.js';
import type { Destination } from '../../src/destinations/types.js';
import { createDestination, fakeServer, form, jsonFixture, outbound, outcome, runCleanup, sleep, type FakeServer } from './support.js';

afterEach(runCleanup);

const OK = jsonFixture('transaction-response-ok.json');
const SECRET = 's3cr:t+/é';
const env = { EMR_CLIENT_SECRET: SECRET };

/** A token endpoint handing out tok-1, tok-2 … and a FHIR server that accepts `accepted` tokens. */
async function setUp(options: { expiresIn?: number; accepted?: (token: string) => boolean; tokenDelayMs?: number } = {}): Promise<{ server: FakeServer; tokens: () => FakeServer['received']; fhir: () => FakeServer['received'] }> {
  const server = await fakeServer();
  server.on('/token', (_r, i) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { access_token: `tok-${i + 1}`, token_type: 'bearer', ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }) },
    ...(options.tokenDelayMs === undefined ? {} : { delayMs: options.tokenDelayMs }),
  }));
  server.on('/fhir', (r) => (options.accepted?.(String(r.headers.authorization).slice('Bearer '.length)) ?? true ? { status: 200, body: OK } : { status: 401 }));
  return {
    server,
    tokens: () => server.received.filter((r) => r.path === '/token'),
    fhir: () => server.received.filter((r) => r.path === '/fhir'),
  };
}

function oauthDestination(server: FakeServer, auth: Record<string, unknown> = {}): Destination {
  return createDestination(
    fhirDestination,
    { url: server.url('/fhir'), auth: { type: 'oauth2', tokenUrl: server.url('/token'), clientId: 'medibus', clientSecret: '${EMR_CLIENT_SECRET}', scope: 'system/*.write', ...auth } },
    env,
  );
}

const signal = (): AbortSignal => new AbortController().signal;

describe('fhir destination with OAuth2 client credentials', () => {
  it('fetches one token for concurrent deliveries (RFC 6749 §4.4 request, Basic client authentication)', async () => {
    const { server, tokens, fhir } = await setUp({ expiresIn: 3600, tokenDelayMs: 100 });
    const emr = oauthDestination(server);
    const results = await Promise.all(Array.from({ length: 8 }, () => outcome(emr.deliver(outbound(), signal()))));
    expect(results).toEqual(Array(8).fill('delivered'));
    expect(tokens()).toHaveLength(1);
    const [token] = tokens();
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(token?.body ?? Buffer.alloc(0))).toEqual({ grant_type: 'client_credentials', scope: 'system/*.write' });
    // §2.3.1: id and secret form-urlencoded, then Basic
    const basic = Buffer.from(String(token?.headers.authorization).slice('Basic '.length), 'base64').toString('utf8');
    expect(basic).toBe(`medibus:${new URLSearchParams({ s: SECRET }).toString().slice(2)}`);
    expect(fhir().map((r) => r.headers.authorization)).toEqual(Array(8).fill('Bearer tok-1'));
  });

  it('sends the client credentials in the form with clientAuthentication: body', async () => {
    const { server, tokens } = await setUp();
    const emr = oauthDestination(server, { clientAuthentication: 'body', scope: undefined });
    await emr.deliver(outbound(), signal());
    expect(tokens()[0]?.headers.authorization).toBeUndefined();
    expect(form(tokens()[0]?.body ?? Buffer.alloc(0))).toEqual({ grant_type: 'client_credentials', client_id: 'medibus', client_secret: SECRET });
  });

  it('reuses the token until shortly before expires_in, then fetches a new one', async () => {
    const { server, tokens, fhir } = await setUp({ expiresIn: 1 });
    const emr = oauthDestination(server);
    await emr.deliver(outbound(), signal());
    await emr.deliver(outbound(), signal());
    expect(tokens()).toHaveLength(1);
    await sleep(1000);
    await emr.deliver(outbound(), signal());
    expect(tokens()).toHaveLength(2);
    expect(fhir().map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('after a 401, fetches a new token and sends once more', async () => {
    const { server, tokens, fhir } = await setUp({ expiresIn: 3600, accepted: (token) => token !== 'tok-1' });
    const emr = oauthDestination(server);
    expect(await outcome(emr.deliver(outbound(), signal()))).toBe('delivered');
    expect(tokens()).toHaveLength(2);
    expect(fhir().map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('with a token refused while concurrent deliveries use it, fetches one replacement for all of them', async () => {
    let revoked = false;
    const { server, tokens } = await setUp({ expiresIn: 3600, accepted: (token) => !(revoked && token === 'tok-1') });
    const emr = oauthDestination(server);
    await emr.deliver(outbound(), signal());
    revoked = true;
    const results = await Promise.all(Array.from({ length: 6 }, () => outcome(emr.deliver(outbound(), signal()))));
    expect(results).toEqual(Array(6).fill('delivered'));
    expect(tokens()).toHaveLength(2);
  });

  it('gives up with MEDIBUS_ERR_DELIVERY_AUTH when the fresh token is refused too', async () => {
    const { server, tokens, fhir } = await setUp({ accepted: () => false });
    const emr = oauthDestination(server);
    expect(await outcome(emr.deliver(outbound(), signal()))).toEqual({ code: 'MEDIBUS_ERR_DELIVERY_AUTH', retryable: true, message: `FHIR server ${server.url('/fhir')} answered 401 Unauthorized` });
    expect(fhir()).toHaveLength(2);
    expect(tokens()).toHaveLength(2);
  });

  it('reports a refused client (RFC 6749 §5.2 error) as an auth failure, without the secret', async () => {
    const server = await fakeServer();
    server.on('/token', () => ({ status: 401, headers: { 'content-type': 'application/json' }, body: { error: 'invalid_client', error_description: 'Client authentication failed' } }));
    const emr = oauthDestination(server);
    const failure = await outcome(emr.deliver(outbound(), signal()));
    expect(failure).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_AUTH',
      retryable: true,
      message: `token endpoint ${server.url('/token')} answered 401 Unauthorized (invalid_client: Client authentication failed)`,
    });
    expect(JSON.stringify(failure)).not.toContain('s3cr');
    expect(server.received.filter((r) => r.path === '/fhir')).toHaveLength(0);
  });

  it('retries when the token endpoint is down, and fetches again on the next delivery', async () => {
    const server = await fakeServer();
    server.on('/token', (_r, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200, body: { access_token: 'tok', token_type: 'Bearer' } }));
    server.on('/fhir', () => ({ status: 200, body: OK }));
    const emr = oauthDestination(server);
    expect(await outcome(emr.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', retryAfterMs: 2000 });
    expect(await outcome(emr.deliver(outbound(), signal()))).toBe('delivered');
  });

  it('refuses a token that is not a bearer token', async () => {
    const server = await fakeServer();
    server.on('/token', () => ({ status: 200, body: { access_token: 'x', token_type: 'mac' } }));
    const emr = oauthDestination(server);
    expect(await outcome(emr.deliver(outbound(), signal()))).toMatchObject({
      code: 'MEDIBUS_ERR_DELIVERY_AUTH',
      message: `token endpoint ${server.url('/token')} answered 2xx but with token_type "mac" instead of Bearer`,
    });
  });
});
