/**
 * The RabbitMQ topology of a channel. This is the only file that knows queue and exchange
 * names (docs/architecture.md, "Broker topology"); everything else asks it.
 *
 * Per channel `<c>` with P partitions and destinations `<d>`:
 *   medibus.<c>.ingress            headers exchange, routes on `medibus-partition`
 *   medibus.<c>.ingress.p<i>       partition queue (single active consumer)
 *   medibus.<c>.failed             raw messages the transform could not handle, with reason
 *                                  headers (not yet in the architecture table: asked by the
 *                                  transform worker; a non-retryable transform error must
 *                                  land somewhere an operator can see it)
 *   medibus.<c>.route              fanout exchange, one copy per destination
 *   medibus.<c>.<d>                headers exchange bound to route
 *   medibus.<c>.<d>.p<i>           partition queue (single active consumer)
 *   medibus.<c>.<d>.retry.<n>      backoff level n (1-based): TTL, dead-letters to medibus.<c>.<d>
 *   medibus.<c>.<d>.dead           dead letters, with reason headers
 *
 * Declaring is in declare.ts; partition hashing in partition.ts.
 */
import { MedibusError } from '../errors.js';
import { retryLevels, type RetrySettings } from './retry.js';

export { partitionOf, keyHash } from './partition.js';

/** The header the publisher sets and every partition binding matches on. */
export const PARTITION_HEADER = 'medibus-partition';

export type QueueType = 'quorum' | 'classic';

export interface DestinationOptions {
  readonly name: string;
  /** one TTL (ms) per backoff level, ascending; empty for `ordering: patient` (retries in process) */
  readonly retryLevels: readonly number[];
}

export interface TopologyOptions {
  readonly channelId: string;
  readonly partitions: number;
  readonly destinations: readonly DestinationOptions[];
  /** quorum by default; classic only for brokers without quorum queues (single node, tests) */
  readonly queueType?: QueueType;
}

export type ArgumentValue = string | number | boolean;
export type Arguments = Readonly<Record<string, ArgumentValue>>;

export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: 'headers' | 'fanout';
}
export interface QueueDeclaration {
  readonly name: string;
  readonly arguments: Arguments;
}
export type BindingDeclaration =
  | { readonly kind: 'queue'; readonly queue: string; readonly exchange: string; readonly arguments: Arguments }
  | { readonly kind: 'exchange'; readonly destination: string; readonly source: string };

export interface RetryLevel {
  readonly queue: string;
  /** the queue's `x-message-ttl`: a message waits at most this long on this level */
  readonly delay: number;
}

export interface DestinationTopology {
  readonly name: string;
  /** headers exchange; also the dead-letter exchange of the retry levels and the replay target */
  readonly exchange: string;
  readonly queues: readonly string[];
  readonly retry: readonly RetryLevel[];
  readonly dead: string;
}

export interface ChannelTopology {
  readonly channelId: string;
  readonly partitions: number;
  readonly queueType: QueueType;
  readonly ingress: { readonly exchange: string; readonly queues: readonly string[] };
  /** where the transform parks what it cannot turn into a Bundle (default exchange, key = name) */
  readonly failed: string;
  readonly route: string;
  readonly destinations: readonly DestinationTopology[];
  /** everything to declare, in an order where each binding's ends already exist */
  readonly exchanges: readonly ExchangeDeclaration[];
  readonly queues: readonly QueueDeclaration[];
  readonly bindings: readonly BindingDeclaration[];
}

/** Same rule as channel ids; no dots, so `medibus.<c>.<d>` splits one way only. */
const NAME = /^[a-z0-9][a-z0-9-]*$/;
/** A destination with one of these names would collide with the channel's own exchanges. */
const RESERVED = new Set(['ingress', 'route', 'failed']);

export function channelTopology(options: TopologyOptions): ChannelTopology {
  validate(options);
  const { channelId, partitions } = options;
  const queueType = options.queueType ?? 'quorum';
  const base = `medibus.${channelId}`;
  const partitionNames = (prefix: string): string[] =>
    Array.from({ length: partitions }, (_, i) => `${prefix}.p${i}`);

  const exchanges: ExchangeDeclaration[] = [];
  const queues: QueueDeclaration[] = [];
  const bindings: BindingDeclaration[] = [];

  // Partition queues: single active consumer so that, with several medibus processes,
  // exactly one consumes a partition at a time and order holds (RabbitMQ docs, "Single
  // Active Consumer"; supported by quorum queues since 3.8).
  const partitionQueue = (name: string): QueueDeclaration => ({
    name,
    arguments: { 'x-queue-type': queueType, 'x-single-active-consumer': true },
  });
  const bindPartitions = (exchange: string, names: readonly string[]): void => {
    names.forEach((queue, i) => {
      bindings.push({ kind: 'queue', queue, exchange, arguments: { 'x-match': 'all', [PARTITION_HEADER]: i } });
    });
  };

  const ingress = { exchange: `${base}.ingress`, queues: partitionNames(`${base}.ingress`) };
  exchanges.push({ name: ingress.exchange, type: 'headers' });
  queues.push(...ingress.queues.map(partitionQueue));
  bindPartitions(ingress.exchange, ingress.queues);

  const failed = `${base}.failed`;
  queues.push({ name: failed, arguments: { 'x-queue-type': queueType } });

  const route = `${base}.route`;
  exchanges.push({ name: route, type: 'fanout' });

  const destinations = options.destinations.map((d): DestinationTopology => {
    const exchange = `${base}.${d.name}`;
    const topology: DestinationTopology = {
      name: d.name,
      exchange,
      queues: partitionNames(exchange),
      retry: d.retryLevels.map((delay, i) => ({ queue: `${exchange}.retry.${i + 1}`, delay })),
      dead: `${exchange}.dead`,
    };
    exchanges.push({ name: exchange, type: 'headers' });
    bindings.push({ kind: 'exchange', destination: exchange, source: route });
    queues.push(...topology.queues.map(partitionQueue));
    bindPartitions(exchange, topology.queues);
    queues.push(...topology.retry.map((level) => ({ name: level.queue, arguments: retryArguments(queueType, level.delay, exchange) })));
    queues.push({ name: topology.dead, arguments: { 'x-queue-type': queueType } });
    return topology;
  });

  return { channelId, partitions, queueType, ingress, failed, route, destinations, exchanges, queues, bindings };
}

/**
 * A retry level holds messages for its TTL, then dead-letters them to the destination's
 * headers exchange, which routes them back to their own partition by header.
 *
 * On quorum queues the dead-lettering is made at-least-once (RabbitMQ docs, "Dead
 * Lettering" → "At-least-once dead-lettering", 3.10+): the queue keeps a dead-lettered
 * message until the target queue confirmed it, instead of the default fire-and-forget that
 * drops it if the target is unavailable. RabbitMQ only honours the strategy together with
 * `x-overflow: reject-publish` (otherwise it silently falls back to at-most-once), and needs
 * the `stream_queue` feature flag. Verified on 3.10.8 (test/broker/topology.test.ts): an
 * expired message whose partition was unbound stays held and arrives once the binding is
 * back (the broker re-tries after `dead_letter_worker_publisher_confirm_timeout`, 180 s).
 * No max-length is set, so reject-publish never refuses a publish in practice.
 */
function retryArguments(queueType: QueueType, delay: number, deadLetterExchange: string): Arguments {
  const common = { 'x-queue-type': queueType, 'x-message-ttl': delay, 'x-dead-letter-exchange': deadLetterExchange };
  switch (queueType) {
    case 'quorum':
      return { ...common, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
    case 'classic':
      return common;
    default:
      return queueType satisfies never;
  }
}

/** The names of one destination, or an error naming the ones that exist. */
export function destinationTopology(topology: ChannelTopology, name: string): DestinationTopology {
  const found = topology.destinations.find((d) => d.name === name);
  if (found) return found;
  const known = topology.destinations.map((d) => d.name).join(', ');
  throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `channel ${topology.channelId} has no destination "${name}" (it has: ${known || 'none'})`);
}

/** Every queue name of the topology, for status pages and test cleanup. */
export function allQueueNames(topology: ChannelTopology): string[] {
  return topology.queues.map((q) => q.name);
}

function validate(options: TopologyOptions): void {
  const problems: string[] = [];
  if (!NAME.test(options.channelId)) problems.push(`channel id "${options.channelId}" must match ${NAME.source}`);
  if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > 1024) {
    problems.push(`ordering.partitions must be an integer 1–1024, got ${options.partitions}`);
  }
  const seen = new Set<string>();
  for (const d of options.destinations) {
    if (!NAME.test(d.name)) problems.push(`destination name "${d.name}" must match ${NAME.source}`);
    if (RESERVED.has(d.name)) problems.push(`destination name "${d.name}" is reserved (it names a channel exchange)`);
    if (seen.has(d.name)) problems.push(`destination name "${d.name}" is used twice`);
    seen.add(d.name);
    d.retryLevels.forEach((delay, i) => {
      if (!Number.isInteger(delay) || delay < 1) problems.push(`destination ${d.name}: retry level ${i + 1} must be a positive integer of ms, got ${delay}`);
    });
  }
  if (problems.length > 0) throw new MedibusError('MEDIBUS_ERR_CONFIG_SCHEMA', problems.join('; '));
}

/**
 * What topologyFor reads of a channel file: config's ChannelConfig has these keys. Written out
 * here so the broker layer does not import config, which sits above it.
 */
export interface TopologySource {
  readonly id: string;
  readonly ordering: { readonly partitions: number };
  readonly destinations: readonly { readonly name: string; readonly ordering: string; readonly retry: RetrySettings }[];
}

/** The broker topology a channel file describes. */
export function topologyFor(channel: TopologySource, queueType: QueueType): ChannelTopology {
  return channelTopology({
    channelId: channel.id,
    partitions: channel.ordering.partitions,
    queueType,
    destinations: channel.destinations.map((d) => ({
      name: d.name,
      // ordering: patient retries in process, holding its partition; none uses TTL queues
      retryLevels: d.ordering === 'none' ? retryLevels(d.retry) : [],
    })),
  });
}
