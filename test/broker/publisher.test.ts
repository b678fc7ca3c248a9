import type { ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/connection.js';
import { Publisher } from '../../src/broker/publisher.js';
import { destinationTopology, PARTITION_HEADER, type DestinationTopology } from '../../src/broker/topology.js';
import { MedibusError } from '../../src/errors.js';
import { brokerUrl } from '../support/broker.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { declared, rawConnection, readyCount, testBroker, waitFor, type Declared } from './helpers.js';

/** Settles every promise and returns what each did (tests assert outcomes, never durations). */
async function outcomes(promises: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : s.reason instanceof MedibusError ? s.reason.code : String(s.reason)));
}

describe('Publisher (publisher confirms)', () => {
  let url: string;
  let conn: ChannelModel;
  let d: Declared;
  let emr: DestinationTopology;
  let proxy: TcpProxy;
  let broker: Broker;
  let publisher: Publisher;

  beforeAll(async () => {
    url = await brokerUrl();
    conn = await rawConnection(url);
    d = await declared(url, { partitions: 2, destinations: [{ name: 'emr', retryLevels: [] }] });
    emr = destinationTopology(d.topology, 'emr');
  });
  afterAll(async () => {
    await d.cleanup();
    await conn.close();
  });

  async function setUp(): Promise<void> {
    const u = new URL(url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5672) });
    broker = testBroker(proxy.url(url), 'publisher-test');
    publisher = new Publisher(broker);
    broker.start();
    await broker.waitUntilConnected(10_000);
  }
  afterEach(async () => {
    await publisher.close({ graceMs: 0 });
    await broker.close();
    await proxy.close();
  });

  it('resolves once confirmed, and the message really is in the queue, persistent and unchanged', async () => {
    await setUp();
    const body = Buffer.from('MSH|^~\\&|HIS');
    await publisher.publish('', emr.dead, body, { messageId: 'id-1', contentType: 'application/hl7-v2', headers: { a: 'b' } }, { timeoutMs: 5000 });
    const ch = await conn.createChannel();
    const msg = await ch.get(emr.dead, { noAck: true });
    await ch.close();
    expect(msg).not.toBe(false);
    if (msg === false) return;
    expect(msg.content.equals(body)).toBe(true);
    expect(msg.properties).toMatchObject({ messageId: 'id-1', contentType: 'application/hl7-v2', deliveryMode: 2, headers: { a: 'b' } });

    await publisher.publish(d.topology.ingress.exchange, '', body, { headers: { [PARTITION_HEADER]: 1 } }, { timeoutMs: 5000 });
    expect(await readyCount(conn, d.topology.ingress.queues[1])).toBe(1);
    expect(await readyCount(conn, d.topology.ingress.queues[0])).toBe(0);
  });

  it('treats an unroutable (returned) message as a failure, even among concurrent successes', async () => {
    await setUp();
    const ex = d.topology.ingress.exchange;
    const results = await outcomes([
      publisher.publish(ex, '', Buffer.from('a'), { messageId: 'a', headers: { [PARTITION_HEADER]: 0 } }, { timeoutMs: 5000 }),
      publisher.publish(ex, '', Buffer.from('b'), { messageId: 'b', headers: { [PARTITION_HEADER]: 7 } }, { timeoutMs: 5000 }),
      publisher.publish(ex, '', Buffer.from('c'), { messageId: 'c', headers: { [PARTITION_HEADER]: 1 } }, { timeoutMs: 5000 }),
      publisher.publish(ex, '', Buffer.from('d'), { messageId: 'd', headers: { [PARTITION_HEADER]: '1' } }, { timeoutMs: 5000 }),
    ]);
    expect(results).toEqual(['ok', 'MEDIBUS_ERR_BROKER_NACK', 'ok', 'MEDIBUS_ERR_BROKER_NACK']);
    const error = await publisher.publish(ex, '', Buffer.from('e'), { headers: {} }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/returned.*NO_ROUTE.*topology/);
  });

  it('a missing exchange fails that publish (channel error) and the publisher recovers on its own', async () => {
    await setUp();
    const missing = `${d.topology.route}-missing`;
    await expect(publisher.publish(missing, '', Buffer.from('x'), {}, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE',
      message: expect.stringMatching(/NOT_FOUND/),
    });
    await waitFor(() => publisher.isReady, 5000, 'confirm channel reopened');
    await publisher.publish('', emr.dead, Buffer.from('after'), {}, { timeoutMs: 5000 });
    expect(broker.isConnected).toBe(true);
  });

  it('rejects with CONFIRM_TIMEOUT when the broker stops answering', async () => {
    await setUp();
    proxy.stall();
    await expect(publisher.publish('', emr.dead, Buffer.from('x'), {}, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'MEDIBUS_ERR_BROKER_CONFIRM_TIMEOUT',
    });
    proxy.up();
  });

  it('respects back-pressure: publishes held back by a full socket time out too, and flow resumes after', async () => {
    await setUp();
    proxy.stall(); // the broker reads nothing: the socket and amqplib's channel buffer fill up
    const big = Buffer.alloc(4 * 1024, 0x62);
    const pending = Array.from({ length: 5000 }, () =>
      publisher.publish('', emr.dead, big, {}, { timeoutMs: 1500 }).then(
        () => 'ok',
        (e: unknown) => (e as Error).message,
      ),
    );
    const messages = await Promise.all(pending);
    expect(messages.every((m) => m.startsWith('no publisher confirm') || /back-pressure/.test(m))).toBe(true);
    expect(messages.some((m) => /back-pressure/.test(m))).toBe(true);
    proxy.up();
    await publisher.publish('', emr.dead, Buffer.from('flows again'), {}, { timeoutMs: 30_000 });
    // the held-back copies were sent after their timeout: duplicates the sender would resend anyway
    const ch = await conn.createChannel();
    await ch.purgeQueue(emr.dead); // our own queue
    await ch.close();
  });

  it('when the connection drops, every outstanding confirm rejects with UNAVAILABLE (none hangs)', async () => {
    await setUp();
    proxy.stall(); // the broker's confirms can no longer reach us: everything stays outstanding
    const pending = Array.from({ length: 50 }, (_, i) => publisher.publish('', emr.dead, Buffer.from(`m${i}`), {}, { timeoutMs: 60_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.down();
    const results = await Promise.race([
      outcomes(pending),
      new Promise<string[]>((resolve) => setTimeout(() => resolve(['hung']), 20_000)),
    ]);
    expect(new Set(results)).toEqual(new Set(['MEDIBUS_ERR_BROKER_UNAVAILABLE']));
    // while down, a publish fails at once
    await waitFor(() => !broker.isConnected, 5000, 'disconnect noticed');
    await expect(publisher.publish('', emr.dead, Buffer.from('x'), {}, { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE',
    });
  });

  it('after an outage the Broker reconnects by itself and publishing works again', async () => {
    await setUp();
    proxy.down();
    await waitFor(() => !broker.isConnected, 5000, 'disconnect noticed');
    proxy.up();
    await broker.waitUntilConnected(10_000);
    await publisher.publish('', emr.dead, Buffer.from('again'), { messageId: 'again' }, { timeoutMs: 5000 });
  });

  it('confirms thousands of concurrent publishes on one channel', async () => {
    await setUp();
    const queue = d.topology.ingress.queues[0];
    const before = await readyCount(conn, queue);
    const n = 3000;
    const results = await outcomes(
      Array.from({ length: n }, (_, i) =>
        publisher.publish(d.topology.ingress.exchange, '', Buffer.alloc(512, i % 256), { messageId: `bulk-${i}`, headers: { [PARTITION_HEADER]: 0 } }, { timeoutMs: 20_000 }),
      ),
    );
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
    expect(await readyCount(conn, queue)).toBe(before + n);
  });

  it('after close(), publishing fails with MEDIBUS_ERR_SHUTDOWN', async () => {
    await setUp();
    await publisher.close();
    await expect(publisher.publish('', emr.dead, Buffer.from('x'), {}, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'MEDIBUS_ERR_SHUTDOWN' });
  });
});
