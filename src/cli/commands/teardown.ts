/**
 * `medibus teardown CHANNEL [--force]`
 *
 * Deletes every queue and exchange of a channel (the names its topology gives: ingress
 * partitions, failed, route, each destination's exchange, partitions, retry levels and dead
 * queue). Refuses, listing them, while a queue holds messages or has a consumer (a medibus
 * still running the channel), unless `--force`. Running it again finds nothing and says so.
 */
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { Broker } from '../../broker/connection.js';
import { inspect, teardown, type QueueState } from '../../broker/teardown.js';
import { topologyFor } from '../../broker/topology.js';
import { findChannel } from '../find-channel.js';
import { AMQP_URL_HELP, BROKER_OPTIONS, brokerArgs, type BrokerArgs } from '../broker-options.js';

const USAGE = `usage: medibus teardown CHANNEL [--force]

Deletes the channel's queues and exchanges from RabbitMQ. Stop medibus first.

  --force          delete even queues that hold messages (they are lost) or have consumers
  --channels DIR   channel files (default ./channels)
${AMQP_URL_HELP}
`;

interface TeardownArgs extends BrokerArgs {
  readonly channelId: string;
  readonly force: boolean;
  readonly channels: string;
}

export async function run(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') return usageError(io, 'teardown', args, USAGE);
  const channel = await findChannel(args.channels, args.channelId, 'teardown', err);
  if (!channel) return 1;
  // the queue type changes arguments, not names: either finds every queue
  const topology = topologyFor(channel.config, args.queueType);
  const broker = new Broker({ url: args.amqpUrl, name: 'medibus teardown', ...(args.tls === undefined ? {} : { tls: args.tls }) });
  broker.start();
  try {
    await broker.waitUntilConnected(10_000);
    const remains = await inspect(broker, topology);
    if (remains.queues.length === 0 && remains.exchanges.length === 0) {
      out(`medibus teardown: nothing left of channel ${args.channelId} on the broker\n`);
      return 0;
    }
    const busy = remains.queues.filter((q) => q.messages > 0 || q.consumers > 0);
    if (busy.length > 0 && !args.force) {
      const lines = busy.map((q) => `  ${q.name}: ${describe(q)}`);
      err(`medibus teardown: channel ${args.channelId} still has messages or consumers; nothing deleted:\n${lines.join('\n')}\nStop medibus, replay or drain the messages, or give --force to delete them.\n`);
      return 1;
    }
    const changed = await teardown(broker, remains, { force: args.force });
    if (changed) {
      err(`medibus teardown: ${changed.name} got ${describe(changed)} while tearing down; stopped there, part of channel ${args.channelId} is deleted. Stop medibus, then run teardown again.\n`);
      return 1;
    }
    const lost = remains.queues.reduce((n, q) => n + q.messages, 0);
    out(`medibus teardown: deleted ${plural(remains.queues.length, 'queue')} and ${plural(remains.exchanges.length, 'exchange')} of channel ${args.channelId}${lost > 0 ? ` (${plural(lost, 'message')} discarded)` : ''}\n`);
    return 0;
  } finally {
    await broker.close();
  }
}

function describe(q: QueueState): string {
  return `${plural(q.messages, 'message')}${q.consumers > 0 ? `, ${plural(q.consumers, 'consumer')}` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function readArgs(argv: string[]): TeardownArgs | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false }, channels: { type: 'string', default: 'channels' }, ...BROKER_OPTIONS },
  });
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return positionals.length === 0 ? 'CHANNEL is missing' : `one CHANNEL expected, got ${positionals.length}`;
  const broker = brokerArgs(values);
  if (typeof broker === 'string') return broker;
  return { ...broker, channelId: positionals[0], force: values.force, channels: values.channels };
}
