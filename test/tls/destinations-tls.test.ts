/**
 * The client side of mutual TLS: the mllp destination delivering to a real MLLP listener
 * that demands client certificates (the same listener code the source uses), and the fhir
 * destination presenting its client certificate to an HTTPS server that demands one.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fhirDestination } from '../../src/destinations/fhir.js';
import { mllpDestination } from '../../src/destinations/mllp.js';
import { buildAck, encodeText, parseMessage } from '../../src/hl7/index.js';
import { silentLogger } from '../../src/log.js';
import { MllpServer } from '../../src/mllp/server.js';
import { createTlsServerOptions, tlsListenerStats } from '../../src/tls/index.js';
import { makePki, type TestPki } from '../support/certificates.js';
import { cleanup, createDestination, outbound, outcome, runCleanup } from '../destinations/support.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(async () => {
  await pki?.cleanup();
});
afterEach(runCleanup);

const signal = (): AbortSignal => new AbortController().signal;

/** a TLS MLLP receiver that acknowledges every frame with AA and demands a client certificate of the CA */
async function tlsReceiver(allowedSubjects?: string[]): Promise<{ port: number; frames: Buffer[]; name: string }> {
  const frames: Buffer[] = [];
  const name = `receiver-${Math.random().toString(36).slice(2)}`;
  const server = new MllpServer(
    {
      host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 8, drainTimeout: 100, log: silentLogger, name,
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, ...(allowedSubjects === undefined ? {} : { allowedSubjects }) },
    },
    {
      onFrame: async (payload) => {
        frames.push(payload);
        const original = parseMessage(payload);
        return encodeText(buildAck(original, { code: 'AA', controlId: `ACK-${frames.length}` }).toString(), original.charset ?? 'UTF-8');
      },
      onOversize: () => undefined,
    },
  );
  await server.start();
  cleanup.push(() => server.stop());
  return { port: server.address()!.port, frames, name };
}

const refused = (name: string): Record<string, number> => tlsListenerStats().find((s) => s.name === name)!.refused;

describe('mllp destination over mutual TLS', () => {
  it('delivers with the client certificate to a receiver that demands one (and checks its subject)', async () => {
    const peer = await tlsReceiver(['CN=lis-01.hospital.test']);
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port, tls: { ca: pki.ca, cert: pki.goodClient.cert, key: pki.goodClient.key } });
    expect(await outcome(lis.deliver(outbound(), signal()))).toBe('delivered');
    expect(await outcome(lis.deliver(outbound({ messageId: 'second' }), signal()))).toBe('delivered');
    expect(peer.frames).toHaveLength(2);
  });

  it('without a client certificate the receiver refuses it: a transient failure, retried later', async () => {
    const peer = await tlsReceiver();
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port, tls: { ca: pki.ca } });
    expect(await outcome(lis.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_MLLP_CONNECTION', retryable: true });
    expect(peer.frames).toHaveLength(0);
    expect(refused(peer.name)['no-certificate']).toBe(1);
  });

  it('refuses a receiver whose certificate is not signed by tls.ca, or is outside allowedSubjects, naming why', async () => {
    const peer = await tlsReceiver();
    const wrongCa = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port, tls: { ca: pki.otherCa, cert: pki.goodClient.cert, key: pki.goodClient.key } });
    expect(await outcome(wrongCa.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_MLLP_CONNECTION', message: expect.stringMatching(/cannot connect \(.*(certificate|CERT)/) });
    const pinned = createDestination(mllpDestination, {
      host: '127.0.0.1', port: peer.port,
      tls: { ca: pki.ca, cert: pki.goodClient.cert, key: pki.goodClient.key, allowedSubjects: ['CN=some-other-lis'] },
    });
    expect(await outcome(pinned.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_MLLP_CONNECTION', message: expect.stringContaining('CN=medibus-test-server') });
    expect(peer.frames).toHaveLength(0);
  });

  it('a tls block that cannot work fails at creation with MEDIBUS_ERR_TLS_CONFIG naming the key', () => {
    expect(() => createDestination(mllpDestination, { host: '127.0.0.1', port: 1, tls: { ca: `${pki.dir}/missing.crt` } })).toThrow(/destination d\.tls\.ca: .*missing\.crt: no such file \(ENOENT\)/);
    expect(() => createDestination(mllpDestination, { host: '127.0.0.1', port: 1, tls: { cert: pki.goodClient.cert, key: pki.outsider.key } })).toThrow(/the key does not belong to the certificate/);
    expect(() => createDestination(mllpDestination, { host: '127.0.0.1', port: 1, tls: { requestCert: true } })).toThrow(/requestCert is for listeners/);
  });
});

describe('fhir destination over mutual TLS', () => {
  let server: Server;
  let port: number;
  const subjects: string[] = [];
  beforeAll(async () => {
    const tls = createTlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, allowedSubjects: ['CN=lis-01.hospital.test'] }, { name: 'fhir-test', log: silentLogger });
    server = createServer(tls.options, (req, res) => {
      if (!tls.admit(req.socket as import('node:tls').TLSSocket)) return;
      subjects.push(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN));
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: (outbound().bundle?.entry ?? []).map(() => ({ response: { status: '201 Created' } })) }));
      });
    });
    tls.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return () => {
      tls.close();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });

  it('presents tls.cert and tls.key and trusts tls.ca; without the client certificate the server refuses it', async () => {
    const url = `https://127.0.0.1:${port}/fhir`;
    const emr = createDestination(fhirDestination, { url, tls: { ca: pki.ca, cert: pki.goodClient.cert, key: pki.goodClient.key } });
    expect(await outcome(emr.deliver(outbound(), signal()))).toBe('delivered');
    expect(subjects).toEqual(['lis-01.hospital.test']);
    const anonymous = createDestination(fhirDestination, { url, tls: { ca: readFileSync(pki.ca, 'utf8') } });
    expect(await outcome(anonymous.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT' });
    const outsider = createDestination(fhirDestination, { url, tls: { ca: pki.ca, cert: pki.outsider.cert, key: pki.outsider.key } });
    expect(await outcome(outsider.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT' });
    expect(subjects).toEqual(['lis-01.hospital.test']);
    expect(tlsListenerStats().find((s) => s.name === 'fhir-test')?.refused).toMatchObject({ 'no-certificate': 1, subject: 1 });
  });
});
