import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/connection.js';
import { Publisher } from '../../src/broker/publisher.js';
import { replay } from '../../src/broker/replay.js';
import { attemptsOf, decide, HEADERS, jittered, levelForAttempt, retryDelay, retryLevels, RetryScheduler, type RetrySettings } from '../../src/broker/retry.js';
import { destinationTopology, PARTITION_HEADER, type DestinationTopology } from '../../src/broker/topology.js';
import { MedibusError } from '../../src/errors.js';
import { brokerUrl } from '../support/broker.js';
import { declared, headersOf, rawConnection, readyCount, take, testBroker, waitFor, type Declared } from './helpers.js';

const s = (o: Partial<RetrySettings> = {}): RetrySettings => ({ maxAttempts: 8, initialDelay: 1000, maxDelay: 600_000, backoffCoefficient: 2, ...o });

describe('retry schedule (pure)', () => {
  it('grows exponentially and keeps one level per distinct delay', () => {
    expect(retryLevels(s())).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000]);
    expect(retryDelay(s(), 1)).toBe(1000);
    expect(retryDelay(s(), 7)).toBe(64_000);
  });

  it('is bounded by maxDelay: later attempts share the last level', () => {
    const capped = s({ maxAttempts: 10, maxDelay: 5000 });
    expect(retryLevels(capped)).toEqual([1000, 2000, 4000, 5000]);
    expect([1, 2, 3, 4, 9].map((a) => levelForAttempt(capped, a))).toEqual([0, 1, 2, 3, 3]);
    expect(retryLevels(s({ backoffCoefficient: 1 }))).toEqual([1000]);
    expect(retryLevels(s({ maxAttempts: 1 }))).toEqual([]);
  });

  it('says precisely what is inconsistent, all at once', () => {
    expect(() => retryLevels(s({ maxAttempts: 0, maxDelay: 10, backoffCoefficient: 0.5, jitter: 1 }))).toThrow(
      /maxAttempts must be an integer ≥ 1.*maxDelay \(10 ms\) must be ≥ retry.initialDelay \(1000 ms\).*backoffCoefficient must be ≥ 1.*jitter must be in \[0, 1\)/,
    );
  });

  it('jitter only shortens a wait, never beyond the level TTL', () => {
    expect(jittered(1000, 0.2, () => 0)).toBe(1000);
    expect(jittered(1000, 0.2, () => 0.999999)).toBe(800);
    for (let i = 0; i < 1000; i++) {
      const w = jittered(5000, 0.3);
      expect(w).toBeGreaterThanOrEqual(3500);
      expect(w).toBeLessThanOrEqual(5000);
    }
  });

  it('dead-letters at once on a non-retryable error, and after maxAttempts', () => {
    expect(decide(s(), 1, new MedibusError('MEDIBUS_ERR_DELIVERY_TRANSIENT', '503'))).toEqual({ kind: 'retry', delay: 1000 });
    expect(decide(s(), 1, new MedibusError('MEDIBUS_ERR_DELIVERY_REJECTED', '422'))).toEqual({ kind: 'dead', reason: 'not-retryable' });
    expect(decide(s(), 8, new Error('refused'))).toEqual({ kind: 'dead', reason: 'exhausted' });
  });
});

describe('scheduleRetry, deadLetter and replay (RabbitMQ)', () => {
  let url: string;
  let conn: ChannelModel;
  let d: Declared;
  let emr: DestinationTopology;
  let broker: Broker;
  let publisher: Publisher;
  const settings = s({ maxAttempts: 4, initialDelay: 200, maxDelay: 400 });

  beforeAll(async () => {
    url = await brokerUrl();
    conn = await rawConnection(url);
    d = await declared(url, { partitions: 3, destinations: [{ name: 'emr', retryLevels: retryLevels(settings) }] });
    emr = destinationTopology(d.topology, 'emr');
    broker = testBroker(url, 'retry-test');
    publisher = new Publisher(broker);
    broker.start();
    await broker.waitUntilConnected(10_000);
  });
  afterAll(async () => {
    await publisher.close();
    await broker.close();
    await d.cleanup();
    await conn.close();
  });

  /** publishes through the route exchange (as transform does) and takes the delivery from the partition */
  async function delivered(id: string, partition: number): Promise<ConsumeMessage> {
    const headers = { [PARTITION_HEADER]: partition, 'medibus-channel': d.topology.channelId };
    await publisher.publish(d.topology.route, '', Buffer.from(`bundle ${id}`), { messageId: id, contentType: 'application/fhir+json', headers }, { timeoutMs: 5000 });
    const [msg] = await take(conn, emr.queues[partition], 1);
    return msg;
  }

  it('scheduleRetry: the message waits on its level, then comes back to its own partition with the failure headers', async () => {
    const scheduler = new RetryScheduler({ publisher, destination: emr, settings, timeoutMs: 5000 });
    const first = await delivered('r-1', 2);
    expect(attemptsOf(first)).toBe(0);
    await scheduler.scheduleRetry(first, 1, new MedibusError('MEDIBUS_ERR_DELIVERY_TRANSIENT', 'HTTP 503 from EMR'));
    const [back] = await take(conn, emr.queues[2], 1);
    expect(back.properties).toMatchObject({ messageId: 'r-1', contentType: 'application/fhir+json', deliveryMode: 2 });
    expect(back.content.toString()).toBe('bundle r-1');
    expect(attemptsOf(back)).toBe(1);
    expect(headersOf(back)).toMatchObject({
      [HEADERS.errorCode]: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      [HEADERS.error]: 'HTTP 503 from EMR',
      [HEADERS.destination]: 'emr',
      [PARTITION_HEADER]: 2,
      'medibus-channel': d.topology.channelId,
    });
    // the second failure waits on the next level, and x-death does not pile up
    await scheduler.scheduleRetry(back, 2, new Error('ECONNREFUSED'));
    const [again] = await take(conn, emr.queues[2], 1);
    expect(attemptsOf(again)).toBe(2);
    expect(headersOf(again)[HEADERS.errorCode]).toBe('MEDIBUS_ERR_INTERNAL');
    const deaths = headersOf(again)['x-death'] as { queue: string }[];
    expect(deaths.map((x) => x.queue)).toEqual([emr.retry[1].queue]);
    for (const p of [0, 1]) expect(await readyCount(conn, emr.queues[p])).toBe(0);
  });

  it('deadLetter: the dead queue holds the message with its reason and time', async () => {
    const scheduler = new RetryScheduler({ publisher, destination: emr, settings, timeoutMs: 5000, now: () => new Date('2025-01-02T03:04:05Z') });
    const msg = await delivered('dl-1', 0);
    await scheduler.deadLetter(msg, 4, new MedibusError('MEDIBUS_ERR_DELIVERY_REJECTED', 'HTTP 422: Patient.birthDate invalid'));
    const ch = await conn.createChannel();
    const dead = await ch.get(emr.dead, { noAck: true });
    await ch.close();
    expect(dead).not.toBe(false);
    if (dead === false) return;
    expect(dead.properties.messageId).toBe('dl-1');
    expect(headersOf(dead)).toMatchObject({
      [HEADERS.attempts]: 4,
      [HEADERS.errorCode]: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      [HEADERS.error]: 'HTTP 422: Patient.birthDate invalid',
      [HEADERS.deadAt]: '2025-01-02T03:04:05.000Z',
      [HEADERS.destination]: 'emr',
      [PARTITION_HEADER]: 0,
    });
  });

  it('replay { id } moves exactly that dead letter, reset, to its partition; the others stay, in order', async () => {
    const scheduler = new RetryScheduler({ publisher, destination: emr, settings, timeoutMs: 5000 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const [i, id] of ids.entries()) await scheduler.deadLetter(await delivered(`rp-${id}`, i % 3), 4, new Error('x'));
    await waitFor(async () => (await readyCount(conn, emr.dead)) === 5, 5000, 'five dead letters');
    // a scan that finds nothing (as `medibus dead` does) has read and returned all five first:
    // a quorum queue now puts each return behind them, so a replay holding only a, b would
    // leave d, e, a, b
    await expect(replay(conn, emr, { id: 'no-such-id' })).rejects.toMatchObject({ code: 'MEDIBUS_ERR_CONFIG_REFERENCE' });
    await waitFor(async () => (await readyCount(conn, emr.dead)) === 5, 5000, 'the five returned');

    const result = await replay(conn, emr, { id: 'rp-c' });
    expect(result).toEqual({ replayed: ['rp-c'], remaining: 4 });
    const [moved] = await take(conn, emr.queues[2], 1);
    expect(moved.properties.messageId).toBe('rp-c');
    const h = headersOf(moved);
    for (const gone of [HEADERS.attempts, HEADERS.errorCode, HEADERS.error, HEADERS.deadAt]) expect(h).not.toHaveProperty(gone);
    expect(h[HEADERS.replayedAt]).toEqual(expect.any(String));
    expect(h[PARTITION_HEADER]).toBe(2);

    const rest = await take(conn, emr.dead, 4);
    expect(rest.map((m) => m.properties.messageId)).toEqual(['rp-a', 'rp-b', 'rp-d', 'rp-e']);
  });

  it('replay { all } moves every dead letter and leaves the dead queue empty', async () => {
    const scheduler = new RetryScheduler({ publisher, destination: emr, settings, timeoutMs: 5000 });
    for (const id of ['x', 'y']) await scheduler.deadLetter(await delivered(`all-${id}`, 1), 4, new Error('x'));
    const result = await replay(conn, emr, { all: true });
    expect(result).toEqual({ replayed: ['all-x', 'all-y'], remaining: 0 });
    const back = await take(conn, emr.queues[1], 2);
    expect(back.map((m) => m.properties.messageId)).toEqual(['all-x', 'all-y']);
    expect(await readyCount(conn, emr.dead)).toBe(0);
  });
});
