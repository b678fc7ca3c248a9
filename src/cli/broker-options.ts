/**
 * The RabbitMQ options of the commands that talk to the broker (start, replay): one set of
 * flags, defaults and environment variables, so `replay` finds the queues `start` declared.
 */
import type { QueueType } from '../broker/topology.js';

const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** the broker flags, for node:util parseArgs */
export const BROKER_OPTIONS = {
  'amqp-url': { type: 'string' },
  'queue-type': { type: 'string' },
} as const;

/** their lines in a command's usage */
export const AMQP_URL_HELP = `  --amqp-url URL   RabbitMQ (default $AMQP_URL, else ${DEFAULT_AMQP_URL})`;
export const QUEUE_TYPE_HELP = '  --queue-type T   quorum (default) or classic';

export interface BrokerArgs {
  readonly amqpUrl: string;
  readonly queueType: QueueType;
}

/** The broker to use: the flags, else $AMQP_URL and $MEDIBUS_QUEUE_TYPE, else the defaults; a usage problem as a string. */
export function brokerArgs(values: { readonly 'amqp-url'?: string; readonly 'queue-type'?: string }, env: NodeJS.ProcessEnv = process.env): BrokerArgs | string {
  const queueType = values['queue-type'] ?? env['MEDIBUS_QUEUE_TYPE'] ?? 'quorum';
  if (queueType !== 'quorum' && queueType !== 'classic') return `--queue-type must be quorum or classic, got "${queueType}"`;
  return { amqpUrl: values['amqp-url'] ?? env['AMQP_URL'] ?? DEFAULT_AMQP_URL, queueType };
}
