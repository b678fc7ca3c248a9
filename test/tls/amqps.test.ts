/**
 * amqps:// with a CA and a client certificate, against the real RabbitMQ behind a
 * TLS-terminating proxy (test/support/tls-proxy.ts: the shared broker has no TLS listener and
 * cannot be given one without a restart). What goes through TLS is the real AMQP session:
 * the message published over amqps is read back from the broker over plain amqp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/connection.js';
import { brokerTls } from '../../src/cli/broker-options.js';
import { amqpDestination } from '../../src/destinations/amqp.js';
import { MedibusError } from '../../src/errors.js';
import { parseAck, parseMessage } from '../../src/hl7/index.js';
import type { TlsConfig } from '../../src/tls/index.js';
import { rawConnection, take } from '../broker/helpers.js';
import { brokerUrl, deleteChannelTopology, deleteNames, uniqueId } from '../support/broker.js';
import { makePki, type TestPki } from '../support/certificates.js';
import { adt, startEngine, testChannel } from '../support/engine.js';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy.js';
import { cleanup, createDestination, outbound, outcome, runCleanup } from '../destinations/support.js';
import { clientOptions, tryOnce } from './support.js';

let pki: TestPki;
let proxy: TlsProxy;
let plainUrl: string;
let tlsUrl: string;

beforeAll(async () => {
  pki = await makePki();
  plainUrl = await brokerUrl();
  const target = new URL(plainUrl);
  proxy = await startTlsProxy(
    { host: target.hostname, port: Number(target.port || 5672) },
    { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, allowedSubjects: ['CN=lis-01.hospital.test'] },
    `amqps-proxy-${uniqueId('p')}`,
  );
  // localhost: the name in the server certificate, checked by the client (RFC 6125)
  tlsUrl = `amqps://${target.username}:${target.password}@localhost:${proxy.port}${target.pathname === '/' ? '' : target.pathname}`;
});
afterAll(async () => {
  await runCleanup();
  await proxy?.close();
  await pki?.cleanup();
});

const clientTls = (): { ca: string; cert: string; key: string } => ({ ca: pki.ca, cert: pki.goodClient.cert, key: pki.goodClient.key });

function broker(url: string, tls?: TlsConfig): Broker {
  return new Broker({ url, name: 'amqps test', connectTimeoutMs: 3000, reconnect: { initialDelayMs: 50, maxDelayMs: 300 }, ...(tls === undefined ? {} : { tls }) });
}

describe('RabbitMQ over amqps:// with a client certificate', () => {
  it('connects with CA and client certificate, and a message published over TLS is in the broker', async () => {
    const queue = uniqueId('amqps-q');
    cleanup.push(() => deleteNames(plainUrl, { queues: [queue] }));
    const secure = broker(tlsUrl, clientTls());
    cleanup.push(() => secure.close());
    secure.start();
    await secure.waitUntilConnected(10_000);
    const ch = await secure.createConfirmChannel();
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    ch.sendToQueue(queue, Buffer.from('over TLS'), { persistent: false });
    await ch.waitForConfirms();
    await ch.close();
    const plain = await rawConnection(plainUrl);
    try {
      const [got] = await take(plain, queue, 1, 10_000);
      expect(got?.content.toString()).toBe('over TLS');
    } finally {
      await plain.close();
    }
  });

  it('without a client certificate the TLS broker refuses it; the Broker stays down, keeps trying, and says it is not reachable', async () => {
    const before = proxy.tls.stats.refused['no-certificate'];
    const anonymous = broker(tlsUrl, { ca: pki.ca });
    cleanup.push(() => anonymous.close());
    anonymous.start();
    await expect(anonymous.waitUntilConnected(1500)).rejects.toThrow(MedibusError);
    expect(anonymous.isConnected).toBe(false);
    expect(anonymous.lastError).toMatch(/RabbitMQ is not reachable/);
    expect(proxy.tls.stats.refused['no-certificate']).toBeGreaterThan(before);
  });

  it('tls files with an amqp:// URL are a configuration error, not a silent clear-text connection', () => {
    expect(() => broker(plainUrl, clientTls())).toThrow(/URL .* is amqp:\/\/: use amqps:\/\//);
  });

  it('the amqp destination publishes over amqps:// with its tls block', async () => {
    const queue = uniqueId('amqps-dest');
    const setup = await rawConnection(plainUrl);
    const ch = await setup.createChannel();
    await ch.assertQueue(queue, { durable: false });
    await ch.close();
    cleanup.push(async () => {
      await setup.close();
      await deleteNames(plainUrl, { queues: [queue] });
    });
    const partner = createDestination(amqpDestination, { url: tlsUrl, exchange: '', routingKey: queue, payload: 'hl7', timeout: '5s', tls: clientTls() });
    expect(await outcome(partner.deliver(outbound(), new AbortController().signal))).toBe('delivered');
    const [got] = await take(setup, queue, 1, 10_000);
    expect(got?.properties.headers?.['medibus-message-id']).toBe(outbound().messageId);
  });

  it('the engine runs over amqps:// (MEDIBUS_AMQP_TLS_*) with an MLLP source over mutual TLS: AA end to end', async () => {
    const tls = brokerTls({ MEDIBUS_AMQP_TLS_CA: pki.ca, MEDIBUS_AMQP_TLS_CERT: pki.goodClient.cert, MEDIBUS_AMQP_TLS_KEY: pki.goodClient.key, MEDIBUS_AMQP_TLS_PASSPHRASE: '' });
    expect(tls).toEqual({ ca: pki.ca, cert: pki.goodClient.cert, key: pki.goodClient.key });
    const channel = testChannel({ source: { tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true } } });
    const proxiedBefore = proxy.proxied;
    const running = await startEngine({ channels: [channel], amqpUrl: tlsUrl, broker: { heartbeatSeconds: 5, connectTimeoutMs: 3000, reconnect: { initialDelayMs: 50, maxDelayMs: 300 }, tls: tls! } });
    try {
      const reply = await tryOnce(running.port(channel.config.id), clientOptions(pki, pki.goodClient), adt('AMQPS-1', 'MRN-AMQPS'), 10_000);
      expect(parseAck(parseMessage(Buffer.from(reply, 'utf8'))).code).toBe('AA');
      // both engine connections (publish, consume) went through the TLS listener
      expect(proxy.proxied - proxiedBefore).toBeGreaterThanOrEqual(2);
      expect(running.engine.status.counters()[channel.config.id]?.received).toBe(1);
    } finally {
      await running.engine.stop();
      // the test's own clean-up goes over plain amqp (startEngine's would use the amqps URL)
      for (const runtime of running.engine.channels) {
        const t = runtime.topology;
        await deleteChannelTopology(plainUrl, { channelId: t.channelId, partitions: t.partitions, queueType: t.queueType, destinations: t.destinations.map((d) => ({ name: d.name, retryLevels: d.retry.map((r) => r.delay) })) });
      }
    }
  });
});
