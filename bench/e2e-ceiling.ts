/**
 * RabbitMQ's own ceiling on this machine for one hop of a message of a given size: persistent
 * publishes with confirms (`publishers` of them, each waiting for its confirm before the next,
 * like senders waiting for ACKs) into a quorum queue, consumed and acked as they arrive.
 * medibus makes two such hops per message (ingress, route), plus the deliveries.
 */
import { connect } from 'amqplib';

export async function brokerCeiling(url: string, size: number, publishers: number, seconds = 4): Promise<number> {
  const connection = await connect(url, { noDelay: true });
  const consumer = await connect(url, { noDelay: true });
  const queue = `bench.ceiling.${Date.now().toString(36)}`;
  try {
    const pub = await connection.createConfirmChannel();
    await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const sub = await consumer.createChannel();
    await sub.prefetch(64);
    let consumed = 0;
    await sub.consume(queue, (msg) => {
      if (msg) {
        sub.ack(msg);
        consumed++;
      }
    });
    const body = Buffer.alloc(size, 0x41);
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: publishers }, async () => {
        while (Date.now() < until) {
          await new Promise<void>((resolve, reject) => pub.sendToQueue(queue, body, { persistent: true }, (err) => (err ? reject(err) : resolve())));
        }
      }),
    );
    const published = performance.now();
    while (consumed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const rate = consumed / ((published - started) / 1000);
    await pub.deleteQueue(queue);
    return rate;
  } finally {
    await connection.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
  }
}
