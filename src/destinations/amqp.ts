/**
 * The amqp destination: publishes each message to an exchange of a RabbitMQ (another one, or
 * the engine's own) with publisher confirms, through the same Broker and Publisher as the
 * pipeline (src/broker). A delivery succeeds once the broker confirmed the message, which it
 * does only after a queue took it: unroutable (mandatory) and nacked messages, a missing
 * exchange, a broker that is down or slow to confirm are all retried with the broker's
 * own MEDIBUS_ERR_BROKER_* code.
 */
import { Broker } from '../broker/connection.js';
import { Publisher } from '../broker/publisher.js';
import { isMedibusError, MedibusError } from '../errors.js';
import { encodeText } from '../hl7/index.js';
import { TLS_REF, type TlsConfig } from '../tls/index.js';
import { DeliveryError, untilAborted } from './delivery-error.js';
import type { Destination, DestinationContext, DestinationSpec, OutboundMessage } from './types.js';

export interface AmqpDestinationConfig {
  readonly url: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly payload: 'bundle' | 'hl7';
  /** ms to wait for the connection and the confirm */
  readonly timeout: number;
  /** for amqps://: CA and client certificate */
  readonly tls?: TlsConfig;
}

export const amqpDestination: DestinationSpec<AmqpDestinationConfig> = {
  type: 'amqp',
  description:
    'Publishes each message (the FHIR Bundle, or the original HL7 v2 bytes) to an AMQP 0-9-1 exchange with publisher confirms, ' +
    'with headers medibus-message-id, medibus-channel, medibus-control-id, medibus-type and medibus-received-at. Unroutable messages are retried, not dropped.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'exchange'],
    properties: {
      url: {
        type: 'string',
        pattern: '^amqps?://[^\\s/]',
        description: 'Broker to publish to, amqp://user:password@host:5672/vhost (amqps:// for TLS). It holds a password: write it as ${VAR}. The password never reaches the log.',
        examples: ['${PARTNER_AMQP_URL}', '${AMQP_URL}'],
      },
      exchange: {
        type: 'string',
        description: 'Exchange to publish to; it must exist (medibus does not declare it). "" is the default exchange, which routes by queue name in routingKey.',
        examples: ['hospital.events', ''],
      },
      routingKey: { type: 'string', description: 'Routing key of every message.', default: '', examples: ['adt', 'lab.results'] },
      payload: {
        enum: ['bundle', 'hl7'],
        description: 'bundle: the FHIR Bundle as JSON (application/fhir+json; the channel needs a transform); hl7: the original HL7 v2 message in its own character set (application/hl7-v2, charset in medibus-charset).',
        default: 'bundle',
      },
      timeout: { $ref: '#/$defs/duration', description: 'How long to wait for the connection and for the broker\'s confirm; past it the message is retried.', default: '10s' },
      tls: {
        $ref: TLS_REF,
        description: 'For an amqps:// url: ca to trust the broker\'s certificate, cert and key when the broker asks for a client certificate (ssl_options.verify = verify_peer).',
        examples: [{ ca: '${MEDIBUS_TLS_DIR}/hospital-ca.crt', cert: '${MEDIBUS_TLS_DIR}/medibus.crt', key: '${MEDIBUS_TLS_DIR}/medibus.key' }],
      },
    },
  },
  sendsBundle: (config) => config.payload === 'bundle',
  create(config: AmqpDestinationConfig, context: DestinationContext): Destination {
    return new AmqpDestination(config, context);
  },
};

class AmqpDestination implements Destination {
  readonly #config: AmqpDestinationConfig;
  readonly #broker: Broker;
  readonly #publisher: Publisher;
  readonly #where: string;

  constructor(config: AmqpDestinationConfig, context: DestinationContext) {
    this.#config = config;
    const log = context.log.child({ destination: context.name, type: 'amqp', exchange: config.exchange });
    // A connection of its own: a resource alarm on the target broker blocks this publisher,
    // not the pipeline's, and the target may be another broker altogether.
    this.#broker = new Broker({
      url: config.url,
      name: `medibus ${context.channelId} → ${context.name}`,
      logger: log,
      connectTimeoutMs: Math.min(config.timeout, 5000),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
    });
    this.#publisher = new Publisher(this.#broker, { name: context.name, logger: log });
    this.#broker.start();
    this.#where = `exchange "${config.exchange}"`;
  }

  async deliver(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    const { content, contentType, extra } = this.#content(message);
    const headers: Record<string, string> = {
      'medibus-message-id': message.messageId,
      'medibus-channel': message.channel,
      'medibus-control-id': message.controlId,
      'medibus-type': message.messageType,
      'medibus-received-at': message.receivedAt.toISOString(),
      ...extra,
    };
    try {
      // Aborting stops the waits only: a message already published cannot be recalled, and the
      // worker's next attempt may publish it again (at-least-once).
      await untilAborted(this.#broker.waitUntilConnected(this.#config.timeout), signal, this.#where);
      const props = { messageId: message.messageId, timestamp: Math.floor(message.receivedAt.getTime() / 1000), contentType, appId: 'medibus', headers };
      await untilAborted(this.#publisher.publish(this.#config.exchange, this.#config.routingKey, content, props, { timeoutMs: this.#config.timeout }), signal, this.#where);
    } catch (error) {
      if (!isMedibusError(error)) throw error;
      // our own abort and delivery errors already name the exchange
      if (error instanceof DeliveryError) throw error;
      throw new MedibusError(error.code, `${this.#where}: ${error.message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.#publisher.close({ graceMs: 1000 });
    await this.#broker.close();
  }

  #content(message: OutboundMessage): { content: Buffer; contentType: string; extra: Record<string, string> } {
    switch (this.#config.payload) {
      case 'bundle':
        if (message.bundleJson === undefined) {
          throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'the message has no FHIR Bundle: payload: bundle needs a channel with transform.mapping (or set payload: hl7)');
        }
        return { content: message.bundleJson, contentType: 'application/fhir+json', extra: {} };
      case 'hl7':
        // the bytes in the charset MSH-18 declares, as the sender wrote them
        return { content: encodeText(message.hl7, message.charset), contentType: 'application/hl7-v2', extra: { 'medibus-charset': message.charset } };
      default:
        return this.#config.payload satisfies never;
    }
  }
}
