/**
 * The RabbitMQ options of the commands that talk to the broker (start, replay): one set of
 * flags, defaults and environment variables, so `replay` finds the queues `start` declared.
 */
import type { QueueType } from '../broker/topology.js';
import type { TlsConfig } from '../tls/index.js';

const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** the broker flags, for node:util parseArgs */
export const BROKER_OPTIONS = {
  'amqp-url': { type: 'string' },
  'queue-type': { type: 'string' },
} as const;

/** their lines in a command's usage */
export const AMQP_URL_HELP = `  --amqp-url URL   RabbitMQ (default $AMQP_URL, else ${DEFAULT_AMQP_URL})`;
export const QUEUE_TYPE_HELP = '  --queue-type T   quorum (default) or classic';

/** The environment variables of the RabbitMQ connection's TLS (docs/security.md), and their tls keys. */
export const AMQP_TLS_ENV = {
  MEDIBUS_AMQP_TLS_CA: 'ca',
  MEDIBUS_AMQP_TLS_CERT: 'cert',
  MEDIBUS_AMQP_TLS_KEY: 'key',
  MEDIBUS_AMQP_TLS_PASSPHRASE: 'passphrase',
  MEDIBUS_AMQP_TLS_SERVERNAME: 'servername',
} as const satisfies Record<string, keyof TlsConfig>;

export const AMQP_TLS_HELP = '  TLS to RabbitMQ: an amqps:// URL, with MEDIBUS_AMQP_TLS_CA (and _CERT, _KEY for a client certificate)';

/**
 * The tls block of the engine's and the commands' RabbitMQ connection, from MEDIBUS_AMQP_TLS_*
 * (paths of PEM files, or PEM text); undefined when none is set. An amqps:// URL without them
 * trusts the system store and presents no client certificate.
 */
export function brokerTls(env: NodeJS.ProcessEnv = process.env): TlsConfig | undefined {
  const entries: [string, string][] = [];
  for (const [variable, key] of Object.entries(AMQP_TLS_ENV)) {
    const value = env[variable]?.trim();
    if (value !== undefined && value !== '') entries.push([key, value]);
  }
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as TlsConfig);
}

export interface BrokerArgs {
  readonly amqpUrl: string;
  readonly queueType: QueueType;
  /** from MEDIBUS_AMQP_TLS_*, for amqps:// */
  readonly tls?: TlsConfig;
}

/** The broker to use: the flags, else $AMQP_URL and $MEDIBUS_QUEUE_TYPE, else the defaults; a usage problem as a string. */
export function brokerArgs(values: { readonly 'amqp-url'?: string; readonly 'queue-type'?: string }, env: NodeJS.ProcessEnv = process.env): BrokerArgs | string {
  const queueType = values['queue-type'] ?? env['MEDIBUS_QUEUE_TYPE'] ?? 'quorum';
  if (queueType !== 'quorum' && queueType !== 'classic') return `--queue-type must be quorum or classic, got "${queueType}"`;
  const tls = brokerTls(env);
  return { amqpUrl: values['amqp-url'] ?? env['AMQP_URL'] ?? DEFAULT_AMQP_URL, queueType, ...(tls === undefined ? {} : { tls }) };
}
