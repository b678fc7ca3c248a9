/**
 * `medibus teardown` against the real RabbitMQ: it refuses while the channel's queues hold
 * messages (naming them), deletes every queue and exchange of the topology when empty or
 * forced, and says there is nothing left the second time.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelModel } from 'amqplib';
import { PARTITION_HEADER } from '../../src/broker/topology.js';
import { declared, rawConnection, readyCount, type Declared } from '../broker/helpers.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { channelsDir, runCli } from './cli-process.js';

const full = uniqueId('teardown');
const empty = uniqueId('teardown-empty');
let url = '';
let conn: ChannelModel;
let topo: Declared;
let emptyTopo: Declared;
let dir = '';

const channelFile = (id: string): string =>
  [
    `id: ${id}`,
    'source: { type: mllp, host: 127.0.0.1, port: "${LAB_PORT}" }',
    'ordering: { partitions: 2 }',
    'destinations:',
    '  - { name: emr, type: fhir, url: "${EMR_URL}", ordering: none, retry: { maxAttempts: 3, initialDelay: 1s, maxDelay: 2s } }',
    '  - { name: lis, type: fhir, url: "${LIS_URL}", ordering: patient }',
    '',
  ].join('\n');

// the same topology the channel file gives (ordering none: two retry levels, 1 s and 2 s)
const options = (channelId: string) => ({ channelId, partitions: 2, queueType: 'quorum' as const, destinations: [{ name: 'emr', retryLevels: [1000, 2000] }, { name: 'lis', retryLevels: [] }] });

beforeAll(async () => {
  url = await brokerUrl();
  topo = await declared(url, options(full));
  emptyTopo = await declared(url, options(empty));
  conn = await rawConnection(url);
  const ch = await conn.createConfirmChannel();
  ch.publish(topo.topology.ingress.exchange, '', Buffer.from('MSH|^~\\&|A'), { headers: { [PARTITION_HEADER]: 1 }, persistent: true });
  for (let i = 0; i < 2; i++) ch.sendToQueue(topo.topology.destinations[0].dead, Buffer.from(`dead ${i}`), { persistent: true });
  await ch.waitForConfirms();
  await ch.close();
  dir = await channelsDir({ 'full.yaml': channelFile(full), 'empty.yaml': channelFile(empty) });
});

afterAll(async () => {
  await conn.close();
  await topo.cleanup();
  await emptyTopo.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const teardown = (...args: string[]) => runCli(['teardown', ...args, '--channels', dir, '--amqp-url', url], { cleanEnv: true });

/** Which of the topology's queues and exchanges still exist (passive declares). */
async function existing(d: Declared): Promise<string[]> {
  const found: string[] = [];
  const check = async (name: string, op: (ch: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<unknown>): Promise<void> => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await op(ch);
      found.push(name);
      await ch.close();
    } catch {
      // 404: gone
    }
  };
  for (const q of d.topology.queues) await check(q.name, (ch) => ch.checkQueue(q.name));
  for (const x of d.topology.exchanges) await check(x.name, (ch) => ch.checkExchange(x.name));
  return found;
}

describe('medibus teardown', () => {
  it('refuses while queues hold messages, lists them, and deletes nothing', async () => {
    const result = await teardown(full);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `medibus teardown: channel ${full} still has messages or consumers; nothing deleted:\n` +
        `  medibus.${full}.ingress.p1: 1 message\n` +
        `  medibus.${full}.emr.dead: 2 messages\n` +
        'Stop medibus, replay or drain the messages, or give --force to delete them.\n',
    );
    expect(await existing(topo)).toHaveLength(topo.topology.queues.length + topo.topology.exchanges.length);
    expect(await readyCount(conn, topo.topology.destinations[0].dead)).toBe(2);
  });

  it('--force deletes every queue and exchange of the channel', async () => {
    const all = [...topo.topology.queues.map((q) => q.name), ...topo.topology.exchanges.map((x) => x.name)];
    // 2 ingress partitions, failed, 2×2 destination partitions, 2 retry levels, 2 dead; 4 exchanges
    expect(all).toHaveLength(11 + 4);
    const result = await teardown(full, '--force');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`medibus teardown: deleted 11 queues and 4 exchanges of channel ${full} (3 messages discarded)\n`);
    expect(result.code).toBe(0);
    expect(await existing(topo)).toEqual([]);
  });

  it('a second teardown finds nothing left and succeeds', async () => {
    const result = await teardown(full);
    expect(result.stdout).toBe(`medibus teardown: nothing left of channel ${full} on the broker\n`);
    expect(result.code).toBe(0);
  });

  it('an empty channel needs no --force', async () => {
    const result = await teardown(empty);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deleted 11 queues and 4 exchanges');
    expect(await existing(emptyTopo)).toEqual([]);
  });

  it('usage errors exit 2; an unknown channel exits 1', async () => {
    expect((await runCli(['teardown'], { cleanEnv: true })).code).toBe(2);
    expect((await teardown(full, '--forse')).code).toBe(2);
    const unknown = await teardown('no-such-channel');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no channel "no-such-channel"');
  });
});
