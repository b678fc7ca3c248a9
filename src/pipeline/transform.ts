/**
 * The transform worker of a channel: consumes the ingress partitions, filters, maps the
 * message to a FHIR Bundle, and publishes the result to the route exchange. The ingress
 * message is acked only after the broker confirmed the output — or, for a message that
 * cannot be transformed, after it was parked in the channel's `failed` queue with the reason
 * (never a silent drop: an operator fixes the mapping and replays it).
 */
import { inspect } from 'node:util';
import type { ConsumeMessage } from 'amqplib';
import type { Broker } from '../broker/connection.js';
import type { Consumer, Delivery, Disposition } from '../broker/consumer.js';
import type { Publisher } from '../broker/publisher.js';
import { cleanHeaders, copyProps, errorHeaders, HEADERS } from '../broker/retry.js';
import type { ChannelTopology } from '../broker/topology.js';
import { messageType } from '../hl7/index.js';
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';
import type { ContentCapture } from '../store/capture.js';
import { patientOrderedConsumer } from './ordered-consumer.js';
import { RecentMessages } from './dedupe.js';
import { encodeEnvelope, ENVELOPE_CONTENT_TYPE, header } from './envelope.js';
import { parseStep, transformStep, type Failed, type TransformPlan } from './transform-step.js';
import type { Worker } from './types.js';

export type { MessageMapping } from './transform-step.js';

export interface TransformWorkerOptions {
  readonly topology: ChannelTopology;
  readonly consumeBroker: Broker;
  readonly publisher: Publisher;
  readonly status: StatusBus;
  readonly log: Logger;
  /** the channel's filter, mapping and settings (transform-plan.ts) */
  readonly plan: TransformPlan;
  readonly prefetch?: number;
  /** messages of different patients handled at once per partition (default 8) */
  readonly concurrency?: number;
  readonly publishTimeoutMs?: number;
  /** the message store's content hook (store/capture.ts); called after the output is confirmed */
  readonly capture?: ContentCapture;
}

type Ids = { messageId: string; controlId: string; messageType: string };

export class TransformWorker implements Worker {
  readonly #o: TransformWorkerOptions;
  readonly #consumer: Consumer;
  readonly #recent = new RecentMessages();

  constructor(options: TransformWorkerOptions) {
    this.#o = options;
    this.#consumer = patientOrderedConsumer(options.consumeBroker, {
      name: `${options.plan.channelId}/transform`,
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
    const { status, plan, log } = this.#o;
    const channelId = plan.channelId;
    const ids: Ids = {
      messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
      controlId: header(message, 'medibus-control-id'),
      messageType: header(message, 'medibus-type'),
    };
    // parsed here, not in the step, because a resend is recognised before any work is done
    const parsed = parseStep(message.content, header(message, 'medibus-charset') || plan.charset);
    if (parsed.kind === 'failed') return this.#fail(message, ids, parsed);
    const msg = parsed.message;
    const h = msg.header;
    const text = msg.toString();
    const dedupeKey = RecentMessages.key(`${h.sendingApplication}^${h.sendingFacility}`, h.controlId, messageType(msg), afterMsh(text));
    const original = this.#recent.get(dedupeKey);
    if (original !== undefined) {
      status.emit({ status: 'duplicate', channel: channelId, ...ids, reason: `resend of message ${original}` });
      log.info({ event: 'duplicate', ...ids, originalId: original }, 'resent message recognised; not processed again');
      return 'ack';
    }
    const outcome = await transformStep(msg, plan);
    switch (outcome.kind) {
      case 'filtered':
        status.emit({ status: 'filtered', channel: channelId, ...ids, reason: outcome.reason });
        log.info({ event: 'filtered', ...ids, reason: outcome.reason }, 'filtered');
        return 'ack';
      case 'refused':
        // intake refuses these; one can only get here from a queue written by other means
        return this.#fail(message, ids, { kind: 'failed', message: msg, type: outcome.type, error: outcome.error, reason: outcome.error.message });
      case 'failed':
        return this.#fail(message, ids, outcome);
      case 'converted':
        break;
      default:
        outcome satisfies never;
    }
    const bundle = outcome.bundle;
    // (a channel without destinations has no transform: channel.ts leaves its messages in ingress)
    const content = encodeEnvelope({ hl7: text, charset: msg.charset, ...(bundle ? { bundle } : {}) });
    const props = { ...copyProps(message), contentType: ENVELOPE_CONTENT_TYPE, headers: cleanHeaders(message) };
    // Throws when the broker cannot confirm: the consumer requeues and we try again.
    await this.#o.publisher.publish(this.#o.topology.route, '', content, props, { timeoutMs: this.#o.publishTimeoutMs ?? 10_000 });
    this.#recent.remember(dedupeKey, ids.messageId);
    this.#o.capture?.({ messageId: ids.messageId, channel: channelId, kind: 'hl7v2', contentType: 'application/hl7-v2', payload: text, bundle });
    status.emit({ status: 'transformed', channel: channelId, ...ids });
    // the warnings after the message is handled, so a reader of the log meets received →
    // transformed → its warnings in that order, never a warning before its message (issue 16)
    log.info({ event: 'transformed', ...ids, entries: bundle?.entry?.length ?? 0, warnings: outcome.warnings.length }, 'transformed');
    for (const warning of outcome.warnings) log.warn({ event: 'mapping-warning', ...ids, warning }, 'mapping warning');
    return 'ack';
  }

  /** Parks the raw message in the channel's failed queue with the reason, then acks it. */
  async #fail(message: ConsumeMessage, ids: Ids, failure: Failed): Promise<Disposition> {
    const { error, reason } = failure;
    const code = error.code;
    const headers = { ...cleanHeaders(message), ...errorHeaders(error, reason), [HEADERS.deadAt]: new Date().toISOString() };
    await this.#o.publisher.publish('', this.#o.topology.failed, message.content, { ...copyProps(message), headers }, { timeoutMs: this.#o.publishTimeoutMs ?? 10_000 });
    this.#o.status.emit({ status: 'errored', channel: this.#o.plan.channelId, ...ids, code, reason });
    this.#o.log.warn({ event: 'errored', ...ids, code, reason }, 'transform failed; message parked in the failed queue');
    if (code === 'MEDIBUS_ERR_INTERNAL') {
      const cause = error.cause ?? error;
      this.#o.log.error({ event: 'bug', stack: cause instanceof Error ? cause.stack : inspect(cause) }, 'unexpected transform error');
    }
    return 'ack';
  }
}

/** Everything after the MSH segment: what a resend repeats even when it restamps MSH-7. */
function afterMsh(text: string): string {
  const end = text.indexOf('\r');
  return end < 0 ? '' : text.slice(end + 1);
}
