/**
 * What every plugin of the operators' app shares: the channels, the store, the counters, the
 * queue sampler, the broker for replays, and the audit helper. Built once by app.ts.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Logger } from '../../log.js';
import type { StatusBus } from '../../status/events.js';
import type { OpsCounters } from './counters.js';
import type { ChannelDepths, ChannelOpener, QueueSampler } from './queues.js';
import type { AuditEntry, MessageStore, OpsChannel } from './types.js';

export interface OpsBroker {
  readonly isConnected: boolean;
  createChannel: ChannelOpener['createChannel'];
  createConfirmChannel(): Promise<ConfirmChannel>;
}

export interface OpsContext {
  channels(): readonly OpsChannel[];
  readonly store: MessageStore;
  readonly counters: OpsCounters;
  readonly sampler: QueueSampler;
  readonly broker: OpsBroker;
  readonly status: StatusBus;
  readonly log: Logger;
  /** cookies with `Secure` (default true; browsers accept it on http://127.0.0.1 and localhost) */
  readonly secureCookies: boolean;
  readonly sessionTtlMs: number;
  readonly replayLimit: { readonly perMinute: number };
  /** writes an audit entry; a store that fails is logged, the action was done */
  audit(entry: Omit<AuditEntry, 'at'>): Promise<void>;
}

export interface ChannelSnapshot {
  readonly id: string;
  readonly description?: string;
  readonly source: string;
  readonly state: string;
  readonly down?: string;
  readonly listen?: string;
  readonly counts: ReturnType<OpsCounters['counts']>;
  readonly history: ReturnType<OpsCounters['history']>;
  readonly queues?: ChannelDepths;
  /** per destination, ms since the oldest message handed to it and not yet sent or dead */
  readonly oldestWaitingMs: Readonly<Record<string, number | null>>;
}

/**
 * Per destination, ms since the oldest message it has not yet taken: the oldest handed to it
 * and not yet sent or dead (this process's counters: the partition queues refuse basic.get,
 * so the broker cannot tell), or the head of its dead queue (its AMQP timestamp), whichever
 * is older; null when nothing waits.
 */
export function oldestWaiting(ctx: Pick<OpsContext, 'counters'>, channel: OpsChannel, queues: ChannelDepths | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const d of channel.config.destinations) {
    const pending = ctx.counters.oldestPendingAge(channel.id, d.name);
    const dead = queues?.destinations.find((q) => q.name === d.name)?.oldestDeadAgeMs;
    const ages = [pending, dead].filter((a): a is number => a !== undefined);
    out[d.name] = ages.length > 0 ? Math.max(...ages) : null;
  }
  return out;
}

export async function snapshot(ctx: OpsContext, channel: OpsChannel): Promise<ChannelSnapshot> {
  const address = channel.address();
  const queues = await ctx.sampler.depths(channel.topology);
  const oldestWaitingMs = oldestWaiting(ctx, channel, queues);
  return {
    id: channel.id,
    ...(channel.config.description === undefined ? {} : { description: channel.config.description }),
    source: channel.config.source.type,
    state: channel.down === undefined ? channel.state : 'down',
    ...(channel.down === undefined ? {} : { down: channel.down }),
    ...(address ? { listen: `${address.host}:${address.port}` } : {}),
    counts: ctx.counters.counts(channel.id),
    history: ctx.counters.history(channel.id),
    ...(queues ? { queues } : {}),
    oldestWaitingMs,
  };
}
