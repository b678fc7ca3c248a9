import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { declareTopology } from '../../src/broker/declare.js';
import { channelTopology, destinationTopology, PARTITION_HEADER } from '../../src/broker/topology.js';
import { brokerUrl, deleteChannelTopology, deleteNames, uniqueId } from '../support/broker.js';
import { declared, headersOf, rawConnection, readyCount, take, waitFor } from './helpers.js';

describe('channelTopology (names, pure)', () => {
  const t = channelTopology({ channelId: 'adt', partitions: 2, destinations: [{ name: 'emr', retryLevels: [1000, 2000] }] });

  it('names exactly the table of docs/architecture.md', () => {
    expect(t.ingress).toEqual({ exchange: 'medibus.adt.ingress', queues: ['medibus.adt.ingress.p0', 'medibus.adt.ingress.p1'] });
    expect(t.route).toBe('medibus.adt.route');
    expect(t.failed).toBe('medibus.adt.failed');
    expect(destinationTopology(t, 'emr')).toEqual({
      name: 'emr',
      exchange: 'medibus.adt.emr',
      queues: ['medibus.adt.emr.p0', 'medibus.adt.emr.p1'],
      retry: [
        { queue: 'medibus.adt.emr.retry.1', delay: 1000 },
        { queue: 'medibus.adt.emr.retry.2', delay: 2000 },
      ],
      dead: 'medibus.adt.emr.dead',
    });
    expect(t.exchanges).toEqual([
      { name: 'medibus.adt.ingress', type: 'headers' },
      { name: 'medibus.adt.route', type: 'fanout' },
      { name: 'medibus.adt.emr', type: 'headers' },
    ]);
  });

  it('declares quorum partition queues with single active consumer, and TTL retry levels that dead-letter at least once', () => {
    const args = Object.fromEntries(t.queues.map((q) => [q.name, q.arguments]));
    expect(args['medibus.adt.ingress.p1']).toEqual({ 'x-queue-type': 'quorum', 'x-single-active-consumer': true });
    expect(args['medibus.adt.emr.p0']).toEqual({ 'x-queue-type': 'quorum', 'x-single-active-consumer': true });
    expect(args['medibus.adt.emr.retry.2']).toEqual({
      'x-queue-type': 'quorum',
      'x-message-ttl': 2000,
      'x-dead-letter-exchange': 'medibus.adt.emr',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(args['medibus.adt.emr.dead']).toEqual({ 'x-queue-type': 'quorum' });
    expect(args['medibus.adt.failed']).toEqual({ 'x-queue-type': 'quorum' });
    expect(t.bindings).toContainEqual({ kind: 'queue', queue: 'medibus.adt.emr.p1', exchange: 'medibus.adt.emr', arguments: { 'x-match': 'all', [PARTITION_HEADER]: 1 } });
    expect(t.bindings).toContainEqual({ kind: 'exchange', destination: 'medibus.adt.emr', source: 'medibus.adt.route' });
  });

  it('classic queues get TTL and DLX only (at-least-once is a quorum feature)', () => {
    const c = channelTopology({ channelId: 'adt', partitions: 1, destinations: [{ name: 'emr', retryLevels: [500] }], queueType: 'classic' });
    expect(c.queues.find((q) => q.name.endsWith('.retry.1'))?.arguments).toEqual({
      'x-queue-type': 'classic',
      'x-message-ttl': 500,
      'x-dead-letter-exchange': 'medibus.adt.emr',
    });
  });

  it('refuses names that would collide or split ambiguously, all problems at once', () => {
    const attempt = (): unknown =>
      channelTopology({ channelId: 'a.b', partitions: 0, destinations: [{ name: 'route', retryLevels: [] }, { name: 'x', retryLevels: [0] }, { name: 'x', retryLevels: [] }] });
    expect(attempt).toThrow(MedibusError);
    expect(attempt).toThrow(/channel id "a.b".*partitions.*"route" is reserved.*retry level 1.*"x" is used twice/);
    expect(() => destinationTopology(t, 'lis')).toThrow(/no destination "lis" \(it has: emr\)/);
  });
});

describe('declareTopology (RabbitMQ)', () => {
  let url: string;
  let conn: ChannelModel;
  beforeAll(async () => {
    url = await brokerUrl();
    conn = await rawConnection(url);
  });
  afterAll(async () => {
    await conn.close();
  });

  it('is idempotent: twice in a row, and from two connections at once', async () => {
    const options = { channelId: uniqueId('t'), partitions: 2, destinations: [{ name: 'emr', retryLevels: [1000] }] };
    const topology = channelTopology(options);
    const other = await rawConnection(url);
    try {
      await declareTopology(conn, topology);
      await declareTopology(conn, topology);
      await Promise.all([declareTopology(conn, topology), declareTopology(other, topology)]);
      for (const q of topology.queues) expect(await readyCount(conn, q.name)).toBe(0);
    } finally {
      await other.close();
      await deleteChannelTopology(url, options);
    }
  });

  it('turns an argument conflict into MEDIBUS_ERR_BROKER_TOPOLOGY naming queue and argument, and the connection stays usable', async () => {
    const channelId = uniqueId('t');
    const first = { channelId, partitions: 1, destinations: [{ name: 'emr', retryLevels: [1000] }] };
    const changed = { channelId, partitions: 1, destinations: [{ name: 'emr', retryLevels: [2000] }] };
    try {
      await declareTopology(conn, channelTopology(first));
      const error = await declareTopology(conn, channelTopology(changed)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(MedibusError);
      const e = error as MedibusError;
      expect(e.code).toBe('MEDIBUS_ERR_BROKER_TOPOLOGY');
      expect(e.retryable).toBe(false);
      expect(e.message).toContain(`queue 'medibus.${channelId}.emr.retry.1' exists with a different x-message-ttl`);
      expect(e.message).toMatch(/2000.*1000/);
      // channel-level error: only the declaring channel closed; the connection still works
      expect(await readyCount(conn, `medibus.${channelId}.emr.dead`)).toBe(0);
      // the rest of the topology was still declared (every conflict is collected, not the first only)
      expect(await readyCount(conn, `medibus.${channelId}.emr.p0`)).toBe(0);
    } finally {
      await deleteChannelTopology(url, first);
    }
  });

  it('routes by the medibus-partition header: a message for partition 2 lands in .p2 only', async () => {
    const d = await declared(url, { partitions: 4, destinations: [] });
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(d.topology.ingress.exchange, '', Buffer.from('m'), { persistent: true, headers: { [PARTITION_HEADER]: 2 } });
      // any integer encoding matches (RabbitMQ compares header values by type class)
      ch.publish(d.topology.ingress.exchange, '', Buffer.from('m'), { persistent: true, headers: { [PARTITION_HEADER]: { '!': 'long', value: 2 } } });
      await ch.waitForConfirms();
      await ch.close();
      await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[2])) === 2, 5000, 'two messages in p2');
      for (const i of [0, 1, 3]) expect(await readyCount(conn, d.topology.ingress.queues[i])).toBe(0);
    } finally {
      await d.cleanup();
    }
  });

  it('a retry level dead-letters back into the same partition after its TTL', async () => {
    const d = await declared(url, { partitions: 3, destinations: [{ name: 'emr', retryLevels: [300] }] });
    const emr = destinationTopology(d.topology, 'emr');
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(emr.retry[0].queue, Buffer.from('retry me'), { persistent: true, messageId: 'm1', headers: { [PARTITION_HEADER]: 1 } });
      await ch.waitForConfirms();
      await ch.close();
      const [back] = await take(conn, emr.queues[1], 1, 10_000);
      expect(back.content.toString()).toBe('retry me');
      expect(back.properties.messageId).toBe('m1');
      const death = (headersOf(back)['x-death'] as { reason: string; queue: string }[])[0];
      expect(death).toMatchObject({ reason: 'expired', queue: emr.retry[0].queue });
      for (const i of [0, 2]) expect(await readyCount(conn, emr.queues[i])).toBe(0);
    } finally {
      await d.cleanup();
    }
  });

  // Takes ~3 minutes: RabbitMQ re-tries a held dead letter after
  // dead_letter_worker_publisher_confirm_timeout (180 s by default). Run with MEDIBUS_SLOW_TESTS=1.
  it.runIf(process.env.MEDIBUS_SLOW_TESTS === '1')(
    'quorum retry levels dead-letter at least once: an unroutable expired message is held, not dropped (the default drops it)',
    { timeout: 300_000 },
    async () => {
      const d = await declared(url, { partitions: 1, destinations: [{ name: 'emr', retryLevels: [200] }] });
      const emr = destinationTopology(d.topology, 'emr');
      const bindArgs = { 'x-match': 'all', [PARTITION_HEADER]: 0 };
      // the contrast: the same level with RabbitMQ's default (at-most-once) dead-lettering
      const atMostOnce = `${emr.retry[0].queue}-default`;
      try {
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue(atMostOnce, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-message-ttl': 200, 'x-dead-letter-exchange': emr.exchange } });
        await ch.unbindQueue(emr.queues[0], emr.exchange, '', bindArgs);
        ch.sendToQueue(emr.retry[0].queue, Buffer.from('held'), { persistent: true, headers: { [PARTITION_HEADER]: 0 } });
        ch.sendToQueue(atMostOnce, Buffer.from('dropped'), { persistent: true, headers: { [PARTITION_HEADER]: 0 } });
        await ch.waitForConfirms();
        await new Promise((resolve) => setTimeout(resolve, 1000)); // both expired, nowhere to go
        await ch.bindQueue(emr.queues[0], emr.exchange, '', bindArgs);
        await ch.close();
        const [arrived] = await take(conn, emr.queues[0], 1, 240_000);
        expect(arrived.content.toString()).toBe('held');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        expect(await readyCount(conn, emr.queues[0])).toBe(0); // the default strategy lost its copy
      } finally {
        await deleteNames(url, { queues: [atMostOnce] });
        await d.cleanup();
      }
    },
  );
});
