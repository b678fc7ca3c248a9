/**
 * The delivery worker of one destination: consumes its partition queues and hands each
 * message to the destination connector.
 *
 * Failures (docs/architecture.md; DESIGN "Order and retry"):
 * - not retryable (4xx, invalid resource, AR): dead-lettered at once with the reason;
 * - retryable, `ordering: none`: republished to a TTL retry queue (growing delay) and acked;
 *   nothing waits for it;
 * - retryable, `ordering: patient`: retried in process while the message stays unacked, so a
 *   crash redelivers it and the partition's later messages wait behind it; after
 *   `maxAttempts` it is dead-lettered and the partition moves on.
 * Every retry and dead-letter publish is confirmed before the original is acked: a message
 * exists once or twice at any instant, never zero times.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { ConsumeMessage } from 'amqplib';
import type { Broker } from '../broker/connection.js';
import type { Consumer, Delivery, Disposition } from '../broker/consumer.js';
import type { Publisher } from '../broker/publisher.js';
import { attemptsOf, decide, jittered, RetryScheduler, type RetrySettings } from '../broker/retry.js';
import type { DestinationTopology } from '../broker/topology.js';
import type { DestinationConfig } from '../config/types.js';
import type { Destination, OutboundMessage } from '../destinations/types.js';
import { errorCodeOf, errorMessage, MedibusError } from '../errors.js';
import type { PayloadKind } from '../kinds/types.js';
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';
import { patientOrderedConsumer } from './ordered-consumer.js';
import { decodeEnvelope, header, type DecodedEnvelope } from './envelope.js';
import type { Worker } from './types.js';

export interface DeliveryWorkerOptions {
  readonly channelId: string;
  readonly config: DestinationConfig;
  readonly topology: DestinationTopology;
  readonly destination: Destination;
  readonly consumeBroker: Broker;
  readonly publisher: Publisher;
  readonly status: StatusBus;
  readonly log: Logger;
  /** unacked messages per partition queue */
  readonly prefetch?: number;
  /** messages of different patients handled at once per partition (default 8) */
  readonly concurrency?: number;
  /** confirm timeout for retry and dead-letter publishes (ms) */
  readonly publishTimeoutMs?: number;
}

export class DeliveryWorker implements Worker {
  readonly #o: DeliveryWorkerOptions;
  readonly #log: Logger;
  readonly #consumer: Consumer;
  readonly #scheduler: RetryScheduler;

  constructor(options: DeliveryWorkerOptions) {
    this.#o = options;
    this.#log = options.log.child({ destination: options.config.name });
    this.#scheduler = new RetryScheduler({
      publisher: options.publisher,
      destination: options.topology,
      settings: options.config.retry,
      timeoutMs: options.publishTimeoutMs ?? 10_000,
    });
    this.#consumer = patientOrderedConsumer(options.consumeBroker, {
      name: `${options.channelId}/${options.config.name}`,
      queues: options.topology.queues,
      prefetch: options.prefetch ?? 16,
      concurrency: options.concurrency ?? 8,
      log: options.log,
      handler: (delivery) => this.#handle(delivery),
    });
  }

  start(): void {
    this.#consumer.start();
  }

  async stop(): Promise<void> {
    await this.#consumer.stop();
    await this.#o.destination.close();
  }

  async #handle({ message, signal }: Delivery): Promise<Disposition> {
    const outbound = toOutbound(message, this.#o.channelId, attemptsOf(message) + 1);
    const ids = { messageId: outbound.messageId, controlId: outbound.controlId, messageType: outbound.messageType };
    const settings: RetrySettings = this.#o.config.retry;
    let attempt = outbound.attempt;
    for (;;) {
      try {
        await this.#o.destination.deliver(outbound.attempt === attempt ? outbound : outbound.withAttempt(attempt), signal);
        this.#emit('sent', ids, attempt);
        this.#log.info({ event: 'sent', ...ids, attempt }, 'delivered');
        return 'ack';
      } catch (error) {
        // The channel was lost or we are stopping: RabbitMQ redelivers; nothing to record.
        if (signal.aborted) return 'requeue';
        const decision = decide(settings, attempt, error);
        const reason = errorMessage(error);
        if (decision.kind === 'dead') {
          await this.#scheduler.deadLetter(message, attempt, error);
          this.#emit('dead-lettered', ids, attempt, error);
          this.#log.warn({ event: 'dead-lettered', ...ids, attempt, code: errorCodeOf(error), reason, why: decision.reason }, 'dead-lettered');
          return 'ack';
        }
        this.#emit('retrying', ids, attempt, error);
        // A Retry-After is honoured up to the longest wait the retry settings allow (maxDelay,
        // or the last retry level): a server's answer never parks a message, or a patient's
        // lane, for longer than the operator configured.
        if (this.#o.config.ordering === 'none') {
          // The wait is the TTL of a retry level's queue: the level is picked to cover Retry-After.
          const delay = await this.#scheduler.scheduleRetry(message, attempt, error, retryAfterMs(error));
          this.#log.warn({ event: 'retrying', ...ids, attempt, delayMs: delay, code: errorCodeOf(error), reason }, 'delivery failed; will retry');
          return 'ack';
        }
        const delay = Math.max(jittered(decision.delay, settings.jitter ?? 0.2), Math.min(retryAfterMs(error), settings.maxDelay));
        this.#log.warn({ event: 'retrying', ...ids, attempt, delayMs: delay, code: errorCodeOf(error), reason }, 'delivery failed; will retry');
        if (!(await sleep(delay, signal))) return 'requeue';
        attempt += 1;
      }
    }
  }

  #emit(status: 'sent' | 'retrying' | 'dead-lettered', ids: { messageId: string; controlId: string; messageType: string }, attempt: number, error?: unknown): void {
    this.#o.status.emit({
      status,
      channel: this.#o.channelId,
      destination: this.#o.config.name,
      attempt,
      ...ids,
      ...(error === undefined ? {} : { code: errorCodeOf(error), reason: errorMessage(error) }),
    });
  }
}

/** The connector's view of a routed message; the envelope is decoded once for all attempts. */
export class Outbound implements OutboundMessage {
  constructor(
    readonly messageId: string,
    readonly channel: string,
    readonly sourceId: string,
    readonly controlId: string,
    readonly messageType: string,
    readonly receivedAt: Date,
    readonly attempt: number,
    private readonly envelope: DecodedEnvelope,
  ) {}

  get bundle(): Bundle | undefined {
    return this.envelope.bundle;
  }

  get bundleJson(): Buffer | undefined {
    return this.envelope.bundleJson;
  }

  get bundleType(): string | undefined {
    return this.envelope.bundleType;
  }

  get entries(): number {
    return this.envelope.entries;
  }

  get kind(): PayloadKind {
    return this.envelope.kind;
  }

  get hl7(): string {
    return this.envelope.hl7;
  }

  get original(): { readonly contentType: string; readonly bytes: Buffer } {
    return { contentType: this.envelope.contentType, bytes: this.envelope.original };
  }

  get charset(): string {
    return this.envelope.charset;
  }

  withAttempt(attempt: number): Outbound {
    return new Outbound(this.messageId, this.channel, this.sourceId, this.controlId, this.messageType, this.receivedAt, attempt, this.envelope);
  }
}

export function toOutbound(message: ConsumeMessage, channelId: string, attempt = 1): Outbound {
  const receivedAt = header(message, 'medibus-received-at');
  return new Outbound(
    typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
    channelId,
    // messages queued before kinds have only the control id
    header(message, 'medibus-source-id') || header(message, 'medibus-control-id'),
    header(message, 'medibus-control-id'),
    header(message, 'medibus-type'),
    receivedAt === '' ? new Date() : new Date(receivedAt),
    attempt,
    decodeEnvelope(message.content),
  );
}

/** A destination may ask for a minimum wait (HTTP Retry-After, RFC 9110 §10.2.3). */
function retryAfterMs(error: unknown): number {
  if (error instanceof MedibusError) {
    const value = (error as MedibusError & { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return 0;
}

/** Resolves true after ms, false at once if aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      resolve(false);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
