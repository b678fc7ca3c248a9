/**
 * The dashboard's queue sampler against the real broker: reading the age of a dead queue's
 * head must neither reorder the dead letters (a quorum queue puts a returned message behind
 * those returned before it, so once the queue has been listed, a head read alone moves the
 * head to the back) nor hide them from a replay running at the same moment (a message held
 * unacked is not counted as ready).
 */
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browse } from '../../src/broker/browse.js';
import { QueueSampler } from '../../src/ops/core/queues.js';
import { declared, rawConnection, type Declared } from '../broker/helpers.js';
import { brokerUrl } from '../support/broker.js';

describe('the queue sampler and the dead queue', () => {
  let url: string;
  let d: Declared;
  let connection: ChannelModel;
  const ids = ['DEAD-A', 'DEAD-B', 'DEAD-C', 'DEAD-D'];
  const opener = () => ({ createChannel: () => connection.createChannel(), isConnected: true });

  beforeAll(async () => {
    url = await brokerUrl();
    d = await declared(url, { partitions: 1, destinations: [{ name: 'emr', retryLevels: [] }] });
    connection = await rawConnection(url);
    const channel = await connection.createConfirmChannel();
    const received = Math.floor(Date.now() / 1000) - 120;
    for (const [i, id] of ids.entries()) channel.sendToQueue(d.topology.destinations[0]!.dead, Buffer.from(id), { messageId: id, timestamp: received + i, persistent: true });
    await channel.waitForConfirms();
    await channel.close();
  });

  afterAll(async () => {
    await connection?.close();
    await d?.cleanup();
  });

  const dead = () => d.topology.destinations[0]!.dead;
  const order = async (): Promise<string[]> => (await browse(opener(), dead(), { limit: 100 })).messages.map((m) => String(m.properties.messageId));

  it('reads the head age again and again without moving the head behind the others', async () => {
    // listed once: every message has been returned once, which is when a lone head read reorders
    expect(await order()).toEqual(ids);
    for (let i = 0; i < 5; i++) {
      // a fresh sampler each time: no cache between the reads
      const depths = await new QueueSampler(opener(), { maxAgeMs: 0 }).depths(d.topology);
      expect(depths?.destinations[0]?.dead).toBe(4);
      expect(depths?.destinations[0]?.oldestDeadAgeMs).toBeGreaterThanOrEqual(120_000);
    }
    expect(await order()).toEqual(ids);
  });

  it('a dry-run count beside a sample still sees every dead letter', async () => {
    const sampler = new QueueSampler(opener(), { maxAgeMs: 0 });
    for (let i = 0; i < 40; i++) {
      const [, listed] = await Promise.all([sampler.depths(d.topology), browse(opener(), dead(), { limit: 100 })]);
      expect(listed.total).toBe(4);
      expect(listed.messages).toHaveLength(4);
    }
  });
});
