/**
 * Removes a channel from the broker (`medibus teardown`): every queue and exchange its
 * topology names (topology.ts), never anything found by matching names on the broker.
 *
 * `inspect` says what of it still exists and what the queues hold; `teardown` deletes it.
 * Unforced, each queue is counted again just before its delete, and the teardown stops at the
 * first that is no longer empty and unused: a message that arrived since the inspection is
 * not thrown away. (queue.delete's own if-empty and if-unused flags would close the window
 * entirely, but quorum queues refuse them with 540 NOT_IMPLEMENTED, which closes the whole
 * connection; measured on RabbitMQ 3.10.8.)
 */
import type { Channel } from 'amqplib';
import type { ChannelTopology } from './topology.js';

export interface ChannelSource {
  createChannel(): Promise<Channel>;
}

export interface QueueState {
  readonly name: string;
  readonly messages: number;
  readonly consumers: number;
}

export interface Remains {
  /** the topology's queues that exist, in topology order */
  readonly queues: readonly QueueState[];
  readonly exchanges: readonly string[];
}

export async function inspect(source: ChannelSource, topology: ChannelTopology): Promise<Remains> {
  const queues: QueueState[] = [];
  const exchanges: string[] = [];
  for (const q of topology.queues) {
    const state = await passive(source, (ch) => ch.checkQueue(q.name));
    if (state) queues.push({ name: q.name, messages: state.messageCount, consumers: state.consumerCount });
  }
  for (const x of topology.exchanges) {
    if (await passive(source, (ch) => ch.checkExchange(x.name))) exchanges.push(x.name);
  }
  return { queues, exchanges };
}

/**
 * Deletes what `inspect` found: queues first (their bindings go with them), then exchanges.
 * Unforced, returns the queue that got a message or a consumer meanwhile, having stopped there.
 */
export async function teardown(source: ChannelSource, remains: Remains, options: { force: boolean }): Promise<QueueState | undefined> {
  const channel = await source.createChannel();
  try {
    for (const q of remains.queues) {
      if (!options.force) {
        const now = await passive(source, (ch) => ch.checkQueue(q.name));
        if (now && (now.messageCount > 0 || now.consumerCount > 0)) return { name: q.name, messages: now.messageCount, consumers: now.consumerCount };
      }
      await channel.deleteQueue(q.name);
    }
    for (const x of remains.exchanges) await channel.deleteExchange(x);
    return undefined;
  } finally {
    await channel.close();
  }
}

/** A passive declare on a channel of its own: a missing entity (404) closes that channel. */
async function passive<T>(source: ChannelSource, check: (ch: Channel) => Promise<T>): Promise<T | undefined> {
  const ch = await source.createChannel();
  ch.on('error', () => undefined);
  try {
    const result = await check(ch);
    await ch.close();
    return result;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  }
}
