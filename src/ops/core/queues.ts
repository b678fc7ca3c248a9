/**
 * Queue depths and oldest-waiting ages, read from RabbitMQ (passive declares; one channel
 * per sample, closed after). The head of a dead or failed queue is read as every reader reads
 * those queues (broker/browse.ts): the whole queue, returned unacked in order, one reader at a
 * time — reading the head alone would move it behind the others once the queue has been
 * listed. So the head is read again only when the queue's depth changed, or after
 * HEAD_REREAD_MS. The partition queues cannot be read (single active consumer refuses
 * basic.get), so their oldest age comes from the counters (counters.ts). Samples are cached
 * for `maxAgeMs` so a dashboard of many tabs costs one sample per interval.
 */
import type { Channel } from 'amqplib';
import { browse } from '../../broker/browse.js';
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

/** a dead or failed queue whose depth stays the same keeps its head; re-read at least this often */
const HEAD_REREAD_MS = 30_000;

export class QueueSampler {
  readonly #broker: ChannelOpener;
  readonly #maxAgeMs: number;
  readonly #cache = new Map<string, { at: number; value: Promise<ChannelDepths | undefined> }>();
  /** per queue: its depth and head timestamp (ms) when the head was last read */
  readonly #heads = new Map<string, { depth: number; readAt: number; headAt: number | undefined }>();

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
      const oldestFailedAgeMs = failed > 0 ? await this.#headAge(t.failed, failed) : undefined;
      const destinations: DestinationDepth[] = [];
      for (const d of t.destinations) {
        const dead = await count([d.dead]);
        const oldestDeadAgeMs = dead > 0 ? await this.#headAge(d.dead, dead) : undefined;
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

  /** ms since the head message of `queue` was received (its AMQP timestamp, seconds, set by intake) */
  async #headAge(queue: string, depth: number): Promise<number | undefined> {
    const known = this.#heads.get(queue);
    const now = Date.now();
    let headAt = known?.headAt;
    if (known === undefined || known.depth !== depth || now - known.readAt >= HEAD_REREAD_MS) {
      const { messages } = await browse(this.#broker, queue, { limit: 1 });
      const timestamp = messages[0]?.properties.timestamp;
      headAt = typeof timestamp === 'number' ? timestamp * 1000 : undefined;
      this.#heads.set(queue, { depth, readAt: now, headAt });
    }
    return headAt === undefined ? undefined : Math.max(0, now - headAt);
  }
}
