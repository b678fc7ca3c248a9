/**
 * Queue depths and oldest-waiting ages, read from RabbitMQ (passive declares; one channel
 * per sample, closed after). The dead and failed queues are peeked with basic.get and
 * returned unacked on close (broker/browse.ts explains why that keeps their order); the
 * partition queues cannot be peeked (single active consumer refuses basic.get), so their
 * oldest age comes from the counters (counters.ts). Samples are cached for `maxAgeMs` so a
 * dashboard of many tabs costs one sample per interval.
 */
import type { Channel } from 'amqplib';
import type { ChannelTopology } from '../../broker/topology.js';

export interface DestinationDepth {
  readonly name: string;
  /** ready in the partition queues */
  readonly waiting: number;
  /** held in the retry levels */
  readonly retrying: number;
  readonly dead: number;
  /** ms since the head of the dead queue was published, if any */
  readonly oldestDeadAgeMs?: number;
}

export interface ChannelDepths {
  readonly ingress: number;
  readonly failed: number;
  readonly oldestFailedAgeMs?: number;
  readonly destinations: readonly DestinationDepth[];
}

export interface ChannelOpener {
  createChannel(): Promise<Channel>;
  readonly isConnected: boolean;
}

export class QueueSampler {
  readonly #broker: ChannelOpener;
  readonly #maxAgeMs: number;
  readonly #cache = new Map<string, { at: number; value: Promise<ChannelDepths | undefined> }>();

  constructor(broker: ChannelOpener, options: { maxAgeMs?: number } = {}) {
    this.#broker = broker;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
  }

  /** undefined when the broker is not connected or the queues are missing */
  depths(topology: ChannelTopology): Promise<ChannelDepths | undefined> {
    const cached = this.#cache.get(topology.channelId);
    if (cached && Date.now() - cached.at < this.#maxAgeMs) return cached.value;
    const value = this.#broker.isConnected ? this.#sample(topology).catch(() => undefined) : Promise.resolve(undefined);
    this.#cache.set(topology.channelId, { at: Date.now(), value });
    return value;
  }

  async #sample(t: ChannelTopology): Promise<ChannelDepths> {
    const channel = await this.#broker.createChannel();
    channel.on('error', () => undefined);
    try {
      const count = async (queues: readonly string[]): Promise<number> => {
        let total = 0;
        for (const q of queues) total += (await channel.checkQueue(q)).messageCount;
        return total;
      };
      const ingress = await count(t.ingress.queues);
      const failed = await count([t.failed]);
      const oldestFailedAgeMs = failed > 0 ? await headAge(channel, t.failed) : undefined;
      const destinations: DestinationDepth[] = [];
      for (const d of t.destinations) {
        const dead = await count([d.dead]);
        const oldestDeadAgeMs = dead > 0 ? await headAge(channel, d.dead) : undefined;
        destinations.push({
          name: d.name,
          waiting: await count(d.queues),
          retrying: await count(d.retry.map((r) => r.queue)),
          dead,
          ...(oldestDeadAgeMs === undefined ? {} : { oldestDeadAgeMs }),
        });
      }
      return { ingress, failed, ...(oldestFailedAgeMs === undefined ? {} : { oldestFailedAgeMs }), destinations };
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

/** the head message's age since it was received (its AMQP timestamp, seconds, set by intake) */
async function headAge(channel: Channel, queue: string): Promise<number | undefined> {
  const msg = await channel.get(queue, { noAck: false });
  if (msg === false) return undefined;
  const at = typeof msg.properties.timestamp === 'number' ? msg.properties.timestamp * 1000 : NaN;
  // returned to the head, in place, when the channel closes (never acked)
  return Number.isFinite(at) ? Math.max(0, Date.now() - at) : undefined;
}
