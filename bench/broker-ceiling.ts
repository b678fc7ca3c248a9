/**
 * RabbitMQ's own ceiling on this machine for one hop of a message of a given size: persistent
 * publishes with confirms (`publishers` of them, each waiting for its confirm before the next,
 * like senders waiting for ACKs) into a quorum queue, consumed and acked as they arrive
 * (`consume: false`: published only, as the MLLP intake does when nothing reads the queue
 * yet). medibus makes two such hops per message (ingress, route), plus the deliveries.
 * Returns messages per second and the p50/p99 of publish → confirm in ms.
 */
import { connect } from 'amqplib';

export interface Ceiling {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

export async function brokerCeiling(url: string, size: number, publishers: number, seconds = 4, consume = true): Promise<Ceiling> {
  const connection = await connect(url, { noDelay: true });
  const consumer = await connect(url, { noDelay: true });
  const queue = `bench.ceiling.${Date.now().toString(36)}`;
  try {
    const pub = await connection.createConfirmChannel();
    await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const sub = await consumer.createChannel();
    await sub.prefetch(64);
    let consumed = 0;
    if (consume) {
      await sub.consume(queue, (msg) => {
        if (msg) {
          sub.ack(msg);
          consumed++;
        }
      });
    }
    const latencies: number[] = [];
    let published = 0;
    const body = Buffer.alloc(size, 0x41);
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        while (Date.now() < until) {
          const sent = performance.now();
          await new Promise<void>((resolve, reject) => pub.sendToQueue(queue, body, { persistent: true }, (err) => (err ? reject(err) : resolve())));
          latencies.push(performance.now() - sent);
          published++;
        }
      }),
    );
    const ended = performance.now();
    const count = consume ? consumed : published;
    await pub.deleteQueue(queue);
    latencies.sort((a, b) => a - b);
    return {
      perSecond: count / ((ended - started) / 1000),
      p50: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
      p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
    };
  } finally {
    await connection.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}
