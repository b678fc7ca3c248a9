/**
 * `medibus replay CHANNEL [--destination D] (--id ID | --all) [--failed]`
 *
 * Moves dead letters back for another try once their cause is fixed: from a destination's
 * `.dead` queue to that destination (its own partition, attempts reset), or with `--failed`
 * from the channel's `failed` queue (messages the transform could not map) back to ingress,
 * to be mapped again with the corrected mapping. Each move is confirmed before the dead
 * letter is removed: a crash in between leaves a duplicate, never a loss.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Broker } from '../../broker/connection.js';
import { replay, type ReplaySelection } from '../../broker/replay.js';
import type { DestinationTopology } from '../../broker/topology.js';
import { formatDiagnostic, loadChannels } from '../../config/index.js';
import { isMedibusError } from '../../errors.js';
import { topologyFor } from '../../pipeline/channel.js';

const HELP = `usage: medibus replay CHANNEL [--destination D] (--id MESSAGE_ID | --all) [--failed]

  --destination D  only this destination's dead letters (default: every destination)
  --id ID          only the message with this medibus message id
  --all            every dead letter
  --failed         the channel's failed queue (transform errors) instead, back to ingress
  --channels DIR   channel files (default ./channels)
  --amqp-url URL   RabbitMQ (default $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --queue-type T   quorum (default) or classic, as the channel was started with`;

export interface ReplayDeps {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export async function run(argv: string[], deps: ReplayDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = deps.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      destination: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean', default: false },
      failed: { type: 'boolean', default: false },
      channels: { type: 'string', default: 'channels' },
      'amqp-url': { type: 'string' },
      'queue-type': { type: 'string', default: process.env.MEDIBUS_QUEUE_TYPE ?? 'quorum' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const channelId = positionals[0];
  const queueType = values['queue-type'];
  if (channelId === undefined || positionals.length > 1 || values.all === (values.id !== undefined) || (queueType !== 'quorum' && queueType !== 'classic')) {
    err(HELP);
    return 2;
  }
  const { channels, diagnostics } = await loadChannels(resolve(values.channels));
  for (const d of diagnostics) err(formatDiagnostic(d));
  const channel = channels.find((c) => c.config.id === channelId);
  if (!channel) {
    err(`medibus replay: no channel "${channelId}" in ${values.channels} (known: ${channels.map((c) => c.config.id).join(', ') || 'none'})`);
    return 1;
  }
  const topology = topologyFor(channel.config, queueType);
  let sources: DestinationTopology[];
  if (values.failed) {
    // The failed queue's "destination" is the channel's ingress: the message is mapped again.
    sources = [{ name: 'failed', exchange: topology.ingress.exchange, queues: [], retry: [], dead: topology.failed }];
  } else {
    sources = topology.destinations.filter((d) => values.destination === undefined || d.name === values.destination);
    if (sources.length === 0) {
      err(`medibus replay: channel ${channelId} has no destination "${values.destination}" (known: ${topology.destinations.map((d) => d.name).join(', ')})`);
      return 1;
    }
  }
  const selection: ReplaySelection = values.id !== undefined ? { id: values.id } : { all: true };
  const broker = new Broker({ url: values['amqp-url'] ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', name: 'medibus replay' });
  broker.start();
  let found = false;
  try {
    await broker.waitUntilConnected(10_000);
    for (const source of sources) {
      try {
        const result = await replay(broker, source, selection);
        found ||= result.replayed.length > 0;
        out(`${source.dead}: replayed ${result.replayed.length}, ${result.remaining} left${result.replayed.length ? ` (${result.replayed.join(', ')})` : ''}`);
      } catch (error) {
        // With --id, the other destinations simply do not hold that message.
        if (!(isMedibusError(error) && error.code === 'MEDIBUS_ERR_CONFIG_REFERENCE' && 'id' in selection)) throw error;
      }
    }
  } finally {
    await broker.close();
  }
  if ('id' in selection && !found) {
    err(`medibus replay: no dead letter with message id ${selection.id} in channel ${channelId}`);
    return 1;
  }
  return 0;
}
