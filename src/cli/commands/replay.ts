/**
 * `medibus replay CHANNEL [--destination D] (--id ID | --all) [--failed]`
 *
 * Moves dead letters back for another try once their cause is fixed: from a destination's
 * `.dead` queue to that destination (its own partition, attempts reset), or with `--failed`
 * from the channel's `failed` queue (messages the transform could not map) back to ingress,
 * to be mapped again with the corrected mapping. Each move is confirmed before the dead
 * letter is removed: a crash in between leaves a duplicate, never a loss.
 */
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { Broker } from '../../broker/connection.js';
import { replay, type ReplaySelection } from '../../broker/replay.js';
import { topologyFor, type DestinationTopology } from '../../broker/topology.js';
import { isMedibusError } from '../../errors.js';
import { findChannel } from '../find-channel.js';
import { AMQP_URL_HELP, BROKER_OPTIONS, brokerArgs, QUEUE_TYPE_HELP, type BrokerArgs } from '../broker-options.js';

const USAGE = `usage: medibus replay CHANNEL [--destination D] (--id MESSAGE_ID | --all) [--failed]

  --destination D  only this destination's dead letters (default: every destination)
  --id ID          only the message with this medibus message id
  --all            every dead letter
  --failed         the channel's failed queue (transform errors) instead, back to ingress
  --channels DIR   channel files (default ./channels)
${AMQP_URL_HELP}
${QUEUE_TYPE_HELP}, as the channel was started with
`;

/** `out` gets one line per dead-letter queue replayed */
export type ReplayDeps = CliDeps;

interface ReplayArgs extends BrokerArgs {
  readonly channelId: string;
  readonly destination: string | undefined;
  readonly selection: ReplaySelection;
  readonly failed: boolean;
  readonly channels: string;
}

export async function run(argv: string[], deps: ReplayDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'replay', args, USAGE);
  }
  const { channelId, selection } = args;
  const channel = await findChannel(args.channels, channelId, 'replay', err);
  if (!channel) return 1;
  const topology = topologyFor(channel.config, args.queueType);
  let sources: DestinationTopology[];
  if (args.failed) {
    // The failed queue's "destination" is the channel's ingress: the message is mapped again.
    sources = [{ name: 'failed', exchange: topology.ingress.exchange, queues: [], retry: [], dead: topology.failed }];
  } else {
    sources = topology.destinations.filter((d) => args.destination === undefined || d.name === args.destination);
    if (sources.length === 0) {
      err(`medibus replay: channel ${channelId} has no destination "${args.destination}" (known: ${topology.destinations.map((d) => d.name).join(', ')})\n`);
      return 1;
    }
  }
  const broker = new Broker({ url: args.amqpUrl, name: 'medibus replay', ...(args.tls === undefined ? {} : { tls: args.tls }) });
  broker.start();
  let found = false;
  try {
    await broker.waitUntilConnected(10_000);
    for (const source of sources) {
      try {
        const result = await replay(broker, source, selection);
        found ||= result.replayed.length > 0;
        out(`${source.dead}: replayed ${result.replayed.length}, ${result.remaining} left${result.replayed.length ? ` (${result.replayed.join(', ')})` : ''}\n`);
      } catch (error) {
        // With --id, the other destinations simply do not hold that message.
        if (!(isMedibusError(error) && error.code === 'MEDIBUS_ERR_CONFIG_REFERENCE' && 'id' in selection)) throw error;
      }
    }
  } finally {
    await broker.close();
  }
  if ('id' in selection && !found) {
    err(`medibus replay: no dead letter with message id ${selection.id} in channel ${channelId}\n`);
    return 1;
  }
  return 0;
}

function readArgs(argv: string[]): ReplayArgs | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      destination: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean', default: false },
      failed: { type: 'boolean', default: false },
      channels: { type: 'string', default: 'channels' },
      ...BROKER_OPTIONS,
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return positionals.length === 0 ? 'CHANNEL is missing' : `one CHANNEL expected, got ${positionals.length}`;
  if (values.all && values.id !== undefined) return '--id and --all exclude each other';
  if (!values.all && values.id === undefined) return 'which dead letters? give --id MESSAGE_ID or --all';
  const broker = brokerArgs(values);
  if (typeof broker === 'string') return broker;
  const selection: ReplaySelection = values.id !== undefined ? { id: values.id } : { all: true };
  return { ...broker, channelId: positionals[0], destination: values.destination, selection, failed: values.failed, channels: values.channels };
}
