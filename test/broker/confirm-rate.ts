/**
 * How many publish-with-confirm per second one Publisher (one confirm channel) sustains.
 * Not a test: `npx tsx test/broker/confirm-rate.ts [messages] [concurrency] [bytes]`.
 * Uses AMQP_URL or the local broker; declares one uniquely named quorum queue and deletes it.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { Broker } from '../../src/broker/connection.js';
import { Publisher } from '../../src/broker/publisher.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 500);
const size = Number(process.argv[4] ?? 1024);
const queueType = process.env.QUEUE_TYPE ?? 'quorum';

const admin = await connect(url, { noDelay: true });
const adminChannel = await admin.createChannel();
const queue = `bench-confirm-${randomBytes(6).toString('hex')}`;
await adminChannel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });

const broker = new Broker({ url, name: 'confirm-rate' });
const publisher = new Publisher(broker);
broker.start();
await broker.waitUntilConnected(10_000);

const body = Buffer.alloc(size, 0x61);
let next = 0;
let failed = 0;
async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    await publisher.publish('', queue, body, { messageId: String(i) }, { timeoutMs: 30_000 }).catch(() => {
      failed++;
    });
  }
}
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { messageCount } = await adminChannel.checkQueue(queue);
console.log(
  `${queueType} queue, ${size} B, ${concurrency} in flight: ${total} confirmed publishes in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)}/s ` +
    `(failed ${failed}, in queue ${messageCount})`,
);

await publisher.close();
await broker.close();
await adminChannel.deleteQueue(queue);
await admin.close();
