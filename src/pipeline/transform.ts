/**
 * The transform worker of a channel: consumes the ingress partitions, filters, maps the
 * message to a FHIR Bundle, and publishes the result to the route exchange. The ingress
 * message is acked only after the broker confirmed the output — or, for a message that
 * cannot be transformed, after it was parked in the channel's `failed` queue with the reason
 * (never a silent drop: an operator fixes the mapping and replays it).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { ConsumeMessage } from 'amqplib';
import type { Broker } from '../broker/connection.js';
import type { Consumer, Delivery, Disposition } from '../broker/consumer.js';
import type { Publisher } from '../broker/publisher.js';
import { cleanHeaders, copyProps, errorHeaders, HEADERS } from '../broker/retry.js';
import type { ChannelTopology } from '../broker/topology.js';
import { formatLocation, isMedibusError, errorMessage, errorCodeOf } from '../errors.js';
import { messageType, parseMessage, type Hl7Message } from '../hl7/index.js';
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';
import { patientOrderedConsumer } from './ordered-consumer.js';
import { RecentMessages } from './dedupe.js';
import { encodeEnvelope, ENVELOPE_CONTENT_TYPE, header } from './envelope.js';
import type { MessageFilter } from './filter.js';
import type { Worker } from './types.js';

/** What the transform needs of a compiled mapping. */
export interface MessageMapping {
  convert(msg: Hl7Message, options: { validate?: boolean; timezone?: string }): Promise<{ bundle: Bundle; warnings: readonly string[] }>;
}

export interface TransformWorkerOptions {
  readonly channelId: string;
  readonly topology: ChannelTopology;
  readonly consumeBroker: Broker;
  readonly publisher: Publisher;
  readonly status: StatusBus;
  readonly log: Logger;
  readonly filter: MessageFilter;
  /** undefined: the channel routes the HL7 message as it came (v2 destinations) */
  readonly mapping: MessageMapping | undefined;
  readonly validate: boolean;
  readonly timezone: string | undefined;
  /** decoder when the ingress message carries no charset header */
  readonly charset: string;
  readonly prefetch?: number;
  /** messages of different patients handled at once per partition (default 8) */
  readonly concurrency?: number;
  readonly publishTimeoutMs?: number;
}

type Ids = { messageId: string; controlId: string; messageType: string };

export class TransformWorker implements Worker {
  readonly #o: TransformWorkerOptions;
  readonly #consumer: Consumer;
  readonly #recent = new RecentMessages();

  constructor(options: TransformWorkerOptions) {
    this.#o = options;
    this.#consumer = patientOrderedConsumer(options.consumeBroker, {
      name: `${options.channelId}/transform`,
      queues: options.topology.ingress.queues,
      prefetch: options.prefetch ?? 32,
      concurrency: options.concurrency ?? 8,
      log: options.log,
      handler: (delivery) => this.#handle(delivery),
    });
  }

  start(): void {
    this.#consumer.start();
  }

  stop(): Promise<void> {
    return this.#consumer.stop();
  }

  async #handle({ message }: Delivery): Promise<Disposition> {
    const { status, channelId } = this.#o;
    const ids: Ids = {
      messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
      controlId: header(message, 'medibus-control-id'),
      messageType: header(message, 'medibus-type'),
    };
    let msg: Hl7Message;
    try {
      msg = parseMessage(message.content, { charset: header(message, 'medibus-charset') || this.#o.charset });
    } catch (error) {
      return this.#fail(message, ids, error);
    }
    const type = messageType(msg);
    const h = msg.header;
    const text = msg.toString();
    const dedupeKey = RecentMessages.key(`${h.sendingApplication}^${h.sendingFacility}`, h.controlId, type, afterMsh(text));
    const original = this.#recent.get(dedupeKey);
    if (original !== undefined) {
      status.emit({ status: 'duplicate', channel: channelId, ...ids, reason: `resend of message ${original}` });
      this.#o.log.info({ event: 'duplicate', ...ids, originalId: original }, 'resent message recognised; not processed again');
      return 'ack';
    }
    let bundle: Bundle | undefined;
    try {
      const why = await this.#o.filter.check(msg, type);
      if (why !== undefined) {
        status.emit({ status: 'filtered', channel: channelId, ...ids, reason: why });
        this.#o.log.info({ event: 'filtered', ...ids, reason: why }, 'filtered');
        return 'ack';
      }
      if (this.#o.mapping) {
        const result = await this.#o.mapping.convert(msg, { validate: this.#o.validate, ...(this.#o.timezone ? { timezone: this.#o.timezone } : {}) });
        bundle = result.bundle;
        for (const warning of result.warnings) this.#o.log.warn({ event: 'mapping-warning', ...ids, warning }, 'mapping warning');
      }
    } catch (error) {
      return this.#fail(message, ids, error);
    }
    // (a channel without destinations has no transform: channel.ts leaves its messages in ingress)
    const content = encodeEnvelope({ hl7: text, charset: msg.charset, ...(bundle ? { bundle } : {}) });
    const props = { ...copyProps(message), contentType: ENVELOPE_CONTENT_TYPE, headers: cleanHeaders(message) };
    // Throws when the broker cannot confirm: the consumer requeues and we try again.
    await this.#o.publisher.publish(this.#o.topology.route, '', content, props, { timeoutMs: this.#o.publishTimeoutMs ?? 10_000 });
    this.#recent.remember(dedupeKey, ids.messageId);
    status.emit({ status: 'transformed', channel: channelId, ...ids });
    this.#o.log.info({ event: 'transformed', ...ids, entries: bundle?.entry?.length ?? 0 }, 'transformed');
    return 'ack';
  }

  /** Parks the raw message in the channel's failed queue with the reason, then acks it. */
  async #fail(message: ConsumeMessage, ids: Ids, error: unknown): Promise<Disposition> {
    const code = errorCodeOf(error);
    const where = isMedibusError(error) ? formatLocation(error.location) : '';
    const reason = `${where ? `${where}: ` : ''}${errorMessage(error)}`;
    const headers = { ...cleanHeaders(message), ...errorHeaders(error, reason), [HEADERS.deadAt]: new Date().toISOString() };
    await this.#o.publisher.publish('', this.#o.topology.failed, message.content, { ...copyProps(message), headers }, { timeoutMs: this.#o.publishTimeoutMs ?? 10_000 });
    this.#o.status.emit({ status: 'errored', channel: this.#o.channelId, ...ids, code, reason });
    this.#o.log.warn({ event: 'errored', ...ids, code, reason }, 'transform failed; message parked in the failed queue');
    if (!isMedibusError(error)) this.#o.log.error({ event: 'bug', stack: error instanceof Error ? error.stack : String(error) }, 'unexpected transform error');
    return 'ack';
  }
}

/** Everything after the MSH segment: what a resend repeats even when it restamps MSH-7. */
function afterMsh(text: string): string {
  const end = text.indexOf('\r');
  return end < 0 ? '' : text.slice(end + 1);
}
