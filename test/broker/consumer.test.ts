import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/connection.js';
import { Consumer, type Delivery, type Disposition, type MessageHandler } from '../../src/broker/consumer.js';
import { declareTopology } from '../../src/broker/declare.js';
import { channelTopology, PARTITION_HEADER } from '../../src/broker/topology.js';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { declared, rawConnection, readyCount, sleep, take, testBroker, waitFor, type Declared } from './helpers.js';

describe('Consumer', () => {
  let url: string;
  let conn: ChannelModel;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    url = await brokerUrl();
    conn = await rawConnection(url);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await conn.close();
  });

  /** a fresh topology with P ingress partitions; published bodies are "0", "1", … */
  async function partitions(p: number): Promise<Declared> {
    const d = await declared(url, { partitions: p, destinations: [] });
    cleanups.push(() => d.cleanup());
    return d;
  }
  async function publish(d: Declared, partition: number, bodies: string[]): Promise<void> {
    const ch = await conn.createConfirmChannel();
    for (const b of bodies) ch.publish(d.topology.ingress.exchange, '', Buffer.from(b), { persistent: true, messageId: b, headers: { [PARTITION_HEADER]: partition } });
    await ch.waitForConfirms();
    await ch.close();
  }
  function broker(target = url, name = 'consumer-test'): Broker {
    const b = testBroker(target, name);
    cleanups.push(() => b.close());
    b.start();
    return b;
  }
  function consumer(b: Broker, queues: readonly string[], handler: MessageHandler, prefetch = 5): Consumer {
    const c = new Consumer(b, { queues, prefetch, handler, requeueDelayMs: 50 });
    cleanups.push(() => c.stop({ timeoutMs: 1000 }));
    c.start();
    return c;
  }
  const bodies = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => String(from + i));

  it('with keyOf and concurrency, a held key holds only its own later messages; other keys flow, each in order', async () => {
    const d = await partitions(1);
    // bodies "<key>-<n>": patients a, b and c interleaved in one partition
    const sent = ['a-1', 'b-1', 'a-2', 'c-1', 'b-2', 'a-3', 'c-2', 'b-3'];
    await publish(d, 0, sent);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done: string[] = [];
    const c = new Consumer(broker(), {
      queues: d.topology.ingress.queues,
      prefetch: 10,
      concurrency: 4,
      requeueDelayMs: 50,
      keyOf: (msg) => msg.content.toString().split('-')[0]!,
      handler: async ({ message }) => {
        const body = message.content.toString();
        if (body === 'a-1') await held; // a retrying message of patient a
        done.push(body);
        return 'ack';
      },
    });
    cleanups.push(() => c.stop({ timeoutMs: 1000 }));
    c.start();
    await waitFor(() => done.length === 5, 10_000, "b's and c's messages past the held a-1");
    expect(done).toEqual(expect.arrayContaining(['b-1', 'b-2', 'b-3', 'c-1', 'c-2']));
    expect(done.filter((b) => b.startsWith('b'))).toEqual(['b-1', 'b-2', 'b-3']);
    expect(done.filter((b) => b.startsWith('c'))).toEqual(['c-1', 'c-2']);
    expect(done.some((b) => b.startsWith('a'))).toBe(false);
    release();
    await waitFor(() => done.length === 8, 10_000, "a's messages after the release");
    expect(done.slice(5)).toEqual(['a-1', 'a-2', 'a-3']);
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 0);
  });

  it('holds at most `prefetch` unacked per queue and processes each queue in order, queues in parallel', async () => {
    const d = await partitions(2);
    await publish(d, 0, bodies(10));
    await publish(d, 1, bodies(10, 100));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: Record<string, string[]> = {};
    let inFlight = 0;
    let maxInFlight = 0;
    consumer(broker(), d.topology.ingress.queues, async ({ message, queue }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      (seen[queue] ??= []).push(message.content.toString());
      await gate;
      inFlight--;
      return 'ack';
    }, 3);
    await waitFor(() => inFlight === 2, 10_000, 'one handler per queue');
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 7, 10_000, '3 prefetched of 10');
    release();
    await waitFor(() => (seen[d.topology.ingress.queues[0]]?.length ?? 0) === 10 && (seen[d.topology.ingress.queues[1]]?.length ?? 0) === 10);
    expect(maxInFlight).toBe(2);
    expect(seen[d.topology.ingress.queues[0]]).toEqual(bodies(10));
    expect(seen[d.topology.ingress.queues[1]]).toEqual(bodies(10, 100));
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 0);
  });

  it('requeue keeps order: the requeued message, the ones prefetched and those in transit come back in order', async () => {
    const d = await partitions(1);
    await publish(d, 0, bodies(40));
    const done: string[] = [];
    const attempts = new Map<string, number>();
    consumer(broker(), d.topology.ingress.queues, async ({ message }): Promise<Disposition> => {
      const body = message.content.toString();
      const n = (attempts.get(body) ?? 0) + 1;
      attempts.set(body, n);
      if (Number(body) % 7 === 2 && n < 3) return 'requeue';
      if (body === '4' && n === 1) throw new Error('handler bug'); // a throw requeues too
      done.push(body);
      return 'ack';
    }, 10);
    await waitFor(() => done.length === 40, 15_000, 'all processed');
    expect(done).toEqual(bodies(40));
    expect(attempts.get('2')).toBe(3);
    expect(attempts.get('37')).toBe(3);
    expect(attempts.get('4')).toBe(2);
  });

  it('RabbitMQ fact the design rests on: nack-requeue sends a quorum message to the back, a channel close returns it to the head', async () => {
    const d = await partitions(2);
    const [nacked, closed] = d.topology.ingress.queues;
    await publish(d, 0, bodies(6));
    await publish(d, 1, bodies(6));
    const holdTwo = async (queue: string, settle: (ch: Channel, held: ConsumeMessage[]) => void): Promise<void> => {
      const ch = await conn.createChannel();
      await ch.prefetch(2);
      const held: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => {
        if (m) held.push(m);
      });
      await waitFor(() => held.length === 2, 5000, 'two held');
      settle(ch, held);
      await ch.close();
    };
    await holdTwo(nacked, (ch, held) => held.forEach((m) => ch.nack(m, false, true)));
    await holdTwo(closed, () => undefined);
    const read = async (queue: string): Promise<string[]> => (await take(conn, queue, 6)).map((m) => m.content.toString());
    expect(await read(nacked)).toEqual(['2', '3', '4', '5', '0', '1']);
    expect(await read(closed)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('single active consumer: a second process gets the partition only when the first goes away', async () => {
    const d = await partitions(1);
    const queue = d.topology.ingress.queues;
    const got: Record<string, string[]> = { a: [], b: [] };
    const holdOn = new Set<string>(['3']);
    const handlerFor = (who: 'a' | 'b') => async ({ message, signal }: Delivery): Promise<Disposition> => {
      const body = message.content.toString();
      got[who].push(body);
      // "a" crashes while holding message 3 unacked
      if (who === 'a' && holdOn.has(body)) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return 'ack';
    };
    const brokerA = broker(url, 'sac-a');
    consumer(brokerA, queue, handlerFor('a'), 1);
    await brokerA.waitUntilConnected(10_000);
    await waitFor(async () => (await conn.createChannel().then(async (ch) => {
      const { consumerCount } = await ch.checkQueue(queue[0]);
      await ch.close();
      return consumerCount;
    })) === 1, 10_000, 'a subscribed');
    const brokerB = broker(url, 'sac-b');
    consumer(brokerB, queue, handlerFor('b'), 1);
    await brokerB.waitUntilConnected(10_000);

    await publish(d, 0, bodies(3));
    await waitFor(() => got.a.length === 3, 10_000, 'a got 0..2');
    await publish(d, 0, ['3', '4']);
    await waitFor(() => got.a.includes('3'), 10_000, 'a holds 3');
    await sleep(200);
    expect(got.b).toEqual([]);

    await brokerA.close(); // the process dies: 3 is unacked, goes back, and b takes over
    await waitFor(() => got.b.length === 2, 10_000, 'b took over');
    expect(got.b).toEqual(['3', '4']);
    expect(got.a).toEqual(['0', '1', '2', '3']);
  });

  it("a key's next message starts only once RabbitMQ has processed the previous one's ack: a crash then cannot bring it back after the next", async () => {
    const d = await partitions(1);
    const queue = d.topology.ingress.queues[0]!;
    await publish(d, 0, ['a-1', 'a-2']);
    // the consumer's own connection, so the test can cut its socket the way a kill -9 does:
    // a reset, with whatever was still in the socket's buffers thrown away
    const own = await rawConnection(url);
    own.on('error', () => undefined);
    const socket = (own.connection as unknown as { stream: { resetAndDestroy(): void } }).stream;
    const onConnect = (_name: string, hook: (c: ChannelModel) => Promise<void>): (() => void) => {
      void hook(own);
      return () => undefined;
    };
    const source = { onConnect, isConnected: true, createChannel: () => own.createChannel() } as unknown as Broker;
    const started: string[] = [];
    const c = new Consumer(source, {
      queues: [queue],
      prefetch: 5,
      concurrency: 4,
      keyOf: (m) => m.content.toString().split('-')[0]!,
      handler: async ({ message }) => {
        const body = message.content.toString();
        started.push(body);
        // the process dies as soon as the second message's work begins
        if (body === 'a-2') socket.resetAndDestroy();
        return 'ack';
      },
    });
    // its connection is gone: a resubscription in flight would wait for it forever
    cleanups.push(() => Promise.race([c.stop({ timeoutMs: 500 }), sleep(1000)]));
    c.start();
    await waitFor(() => started.includes('a-2'), 10_000, 'a-2 started');
    await waitFor(async () => (await readyCount(conn, queue)) > 0, 10_000, 'the unacked message is back in the queue');
    // a-1 was acked before a-2 began, so only a-2 comes back
    const back = await take(conn, queue, 1);
    expect(back.map((m) => m.content.toString())).toEqual(['a-2']);
    expect(await readyCount(conn, queue)).toBe(0);
  });

  it('stop(): cancels, lets the message in flight finish and be acked, requeues what was prefetched', async () => {
    const d = await partitions(1);
    await publish(d, 0, bodies(5));
    const started: string[] = [];
    const acked: string[] = [];
    const c = consumer(broker(), d.topology.ingress.queues, async ({ message }) => {
      started.push(message.content.toString());
      await sleep(300);
      acked.push(message.content.toString());
      return 'ack';
    });
    await waitFor(() => started.length === 1, 10_000, 'first message started');
    await c.stop({ timeoutMs: 5000 });
    expect(acked).toEqual(['0']);
    expect(started).toEqual(['0']);
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 4, 5000, 'four back in the queue');
  });

  it('stop() gives up on a stuck handler after its bound: the signal aborts and the message goes back', async () => {
    const d = await partitions(1);
    await publish(d, 0, ['stuck']);
    let aborted = false;
    const c = consumer(broker(), d.topology.ingress.queues, async ({ signal }) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      aborted = true;
      return 'ack';
    });
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 0, 5000, 'delivered');
    await c.stop({ timeoutMs: 200 });
    expect(aborted).toBe(true);
    await waitFor(async () => (await readyCount(conn, d.topology.ingress.queues[0])) === 1, 5000, 'requeued');
  });

  it('subscribes by itself once a queue that did not exist yet is declared (topology on another connection)', async () => {
    const options = { channelId: uniqueId('t'), partitions: 1, destinations: [] };
    const queue = channelTopology(options).ingress.queues[0];
    cleanups.push(() => deleteChannelTopology(url, options));
    const b = broker(url, 'early');
    const got: string[] = [];
    const c = consumer(b, [queue], async ({ message }) => {
      got.push(message.content.toString());
      return 'ack';
    });
    await b.waitUntilConnected(10_000);
    await sleep(300); // the first subscribe failed with 404 NOT_FOUND
    expect(c.isSubscribed).toBe(false);
    const conn2 = await rawConnection(url);
    await declareTopology(conn2, channelTopology(options));
    await conn2.close();
    await waitFor(() => c.isSubscribed, 20_000, 'subscribed after declaration');
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(queue, Buffer.from('late'), { persistent: true });
    await ch.waitForConfirms();
    await ch.close();
    await waitFor(() => got.length === 1, 10_000, 'delivered');
    expect(got).toEqual(['late']);
  });

  it('resumes consuming by itself after a broker outage; the message held at the drop is redelivered', async () => {
    const d = await partitions(1);
    const u = new URL(url);
    const proxy: TcpProxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5672) });
    cleanups.push(() => proxy.close());
    const b = broker(proxy.url(url), 'outage');
    const seen: { body: string; redelivered: boolean }[] = [];
    let first = true;
    consumer(b, d.topology.ingress.queues, async ({ message, signal }: { message: ConsumeMessage; signal: AbortSignal }) => {
      seen.push({ body: message.content.toString(), redelivered: message.fields.redelivered });
      if (first) {
        first = false;
        await new Promise((resolve) => signal.addEventListener('abort', resolve)); // connection lost under us
      }
      return 'ack';
    });
    await b.waitUntilConnected(10_000);
    await publish(d, 0, ['before']);
    await waitFor(() => seen.length === 1, 10_000, 'first delivery');
    proxy.down();
    await waitFor(() => !b.isConnected, 10_000, 'outage noticed');
    await publish(d, 0, ['during']);
    proxy.up();
    await waitFor(() => seen.length === 3, 15_000, 'resumed');
    expect(seen).toEqual([
      { body: 'before', redelivered: false },
      { body: 'before', redelivered: true },
      { body: 'during', redelivered: false },
    ]);
  });
});
