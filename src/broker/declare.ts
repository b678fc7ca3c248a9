/**
 * Declares a channel topology. Idempotent: AMQP `exchange.declare`, `queue.declare` and
 * `queue.bind` succeed when the entity already exists with the same arguments, so running
 * this twice, or from two processes at once, is safe.
 *
 * A declaration with other arguments than the existing entity is refused by RabbitMQ with
 * 406 PRECONDITION_FAILED, which closes the AMQP channel (a channel-level error; the
 * connection survives). Each declaration therefore runs on a channel of its own making: on
 * a conflict we note it, open a fresh channel and go on, so the user sees every conflict at
 * once and the caller's channels are never the ones closed.
 */
import type { Channel } from 'amqplib';
import { MedibusError, errorMessage } from '../errors.js';
import type { BindingDeclaration, ChannelTopology, ExchangeDeclaration, QueueDeclaration } from './topology.js';

/** Anything that opens AMQP channels: an amqplib connection, or a connected Broker. */
export interface ChannelSource {
  createChannel(): Promise<Channel>;
}

const PRECONDITION_FAILED = 406;

type Step =
  | { readonly kind: 'exchange'; readonly decl: ExchangeDeclaration }
  | { readonly kind: 'queue'; readonly decl: QueueDeclaration }
  | { readonly kind: 'binding'; readonly decl: BindingDeclaration };

export async function declareTopology(source: ChannelSource, topology: ChannelTopology): Promise<void> {
  const steps: Step[] = [
    ...topology.exchanges.map((decl) => ({ kind: 'exchange', decl }) as const),
    ...topology.queues.map((decl) => ({ kind: 'queue', decl }) as const),
    ...topology.bindings.map((decl) => ({ kind: 'binding', decl }) as const),
  ];
  const conflicts: string[] = [];
  let channel: Channel | undefined;
  try {
    for (const step of steps) {
      channel ??= await open(source);
      try {
        await run(channel, step);
      } catch (err) {
        if (codeOf(err) !== PRECONDITION_FAILED) throw unavailable(err, step);
        conflicts.push(describeConflict(err, step));
        channel = undefined; // RabbitMQ closed it; the next step opens another
      }
    }
  } finally {
    if (channel) await channel.close().catch(() => undefined);
  }
  if (conflicts.length > 0) {
    throw new MedibusError(
      'MEDIBUS_ERR_BROKER_TOPOLOGY',
      `channel ${topology.channelId}: ${conflicts.length} declaration(s) conflict with what exists in RabbitMQ: ${conflicts.join('; ')}`,
    );
  }
}

async function open(source: ChannelSource): Promise<Channel> {
  const channel = await source.createChannel();
  // The failing operation's promise carries the error; without a listener the channel's
  // 'error' event would be thrown by EventEmitter.
  channel.on('error', () => undefined);
  return channel;
}

async function run(channel: Channel, step: Step): Promise<void> {
  switch (step.kind) {
    case 'exchange':
      await channel.assertExchange(step.decl.name, step.decl.type, { durable: true, autoDelete: false });
      return;
    case 'queue':
      await channel.assertQueue(step.decl.name, { durable: true, autoDelete: false, exclusive: false, arguments: { ...step.decl.arguments } });
      return;
    case 'binding': {
      const b = step.decl;
      if (b.kind === 'queue') await channel.bindQueue(b.queue, b.exchange, '', { ...b.arguments });
      else await channel.bindExchange(b.destination, b.source, '');
      return;
    }
    default:
      return step satisfies never;
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

function stepName(step: Step): string {
  switch (step.kind) {
    case 'exchange':
      return `exchange '${step.decl.name}'`;
    case 'queue':
      return `queue '${step.decl.name}'`;
    case 'binding':
      return step.decl.kind === 'queue'
        ? `binding of queue '${step.decl.queue}' to '${step.decl.exchange}'`
        : `binding of exchange '${step.decl.destination}' to '${step.decl.source}'`;
    default:
      return step satisfies never;
  }
}

/**
 * RabbitMQ words a conflict as `PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for
 * queue 'q' in vhost '/': received the value '2000' of type 'signedint' but current is the
 * value '1000' of type 'long'`; we keep the argument and both values, and say what to do.
 */
function describeConflict(err: unknown, step: Step): string {
  const text = errorMessage(err);
  const m = /inequivalent arg '([^']+)' for (?:queue|exchange) '[^']*' in vhost '[^']*': (.*?)"?$/.exec(text);
  if (m) {
    const detail = m[2].replace(/^received /, 'medibus declares ').replace(' but current is ', ', RabbitMQ has ');
    return `${stepName(step)} exists with a different ${m[1]} (${detail})`;
  }
  const reason = /PRECONDITION_FAILED - ([^"]*)/.exec(text)?.[1] ?? text;
  return `${stepName(step)}: ${reason}`;
}

function unavailable(err: unknown, step: Step): MedibusError {
  const text = errorMessage(err);
  return new MedibusError('MEDIBUS_ERR_BROKER_UNAVAILABLE', `declaring ${stepName(step)} failed: ${text}`, { cause: err });
}
