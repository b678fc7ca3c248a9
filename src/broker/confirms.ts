/**
 * Publisher confirms on one AMQP confirm channel: one promise per message that settles when
 * RabbitMQ has taken responsibility for it, or says why not. No promise is left hanging.
 *
 * RabbitMQ docs, "Consumer Acknowledgements and Publisher Confirms":
 * - a persistent message routed to a durable queue is acked once it is written to disk
 *   (quorum queues: once a majority of replicas have it); a nack means the broker could
 *   not take it (e.g. a queue with `x-overflow: reject-publish` is full);
 * - a message that no queue took is acked too; with `mandatory` the broker first sends
 *   `basic.return`, "before basic.ack". We always publish mandatory and turn a return
 *   followed by its ack into a failure: an ack alone would claim a message that went nowhere.
 * - when the channel or connection closes, outstanding confirms never come: we reject them.
 *
 * Many publishes share the channel concurrently (confirms are asynchronous and may cover
 * several delivery tags at once); amqplib maps tags to our callbacks.
 */
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { MedibusError } from '../errors.js';
import { settlesWithin } from '../util/settle.js';

/** Message properties the caller chooses; durability and `mandatory` are not optional. */
export type PublishProps = Omit<Options.Publish, 'persistent' | 'deliveryMode' | 'mandatory'>;

interface Pending {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly props: PublishProps;
  sent: boolean;
  /** set by basic.return, read when the ack arrives */
  returned: string | undefined;
  settle(error?: MedibusError): void;
}

/** amqplib types a returned message's fields as delivery fields; a return carries these. */
interface ReturnFields {
  readonly exchange: string;
  readonly routingKey: string;
  readonly replyCode?: number;
  readonly replyText?: string;
}

export class ConfirmTracker {
  readonly #channel: ConfirmChannel;
  readonly #blockedReason: () => string | undefined;
  /** sent and awaiting a confirm, in publish order (return matching relies on it) */
  readonly #pending = new Set<Pending>();
  /** held back by back-pressure, in publish order */
  #waiting: Pending[] = [];
  #backpressure = false;
  #closed = false;
  #closeReason: string | undefined;

  constructor(channel: ConfirmChannel, blockedReason: () => string | undefined = () => undefined) {
    this.#channel = channel;
    this.#blockedReason = blockedReason;
    channel.on('return', (msg: Message) => this.#onReturn(msg));
    channel.on('drain', () => this.#onDrain());
    // A server-side channel error (e.g. 404 publishing to a missing exchange) arrives here
    // before 'close'; we keep its text to say why the outstanding publishes failed.
    channel.on('error', (err: Error) => {
      this.#closeReason = err.message;
    });
    channel.on('close', () => this.#onClose());
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** messages published and not yet settled (sent or held back) */
  get outstanding(): number {
    return this.#pending.size + this.#waiting.length;
  }

  publish(exchange: string, routingKey: string, content: Buffer, props: PublishProps, timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(this.#unavailable());
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const entry: Pending = {
        exchange,
        routingKey,
        content,
        props,
        sent: false,
        returned: undefined,
        settle: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#pending.delete(entry);
          if (!entry.sent) this.#waiting = this.#waiting.filter((e) => e !== entry);
          if (error) reject(error);
          else resolve();
        },
      };
      const timer = setTimeout(() => entry.settle(this.#timeout(entry, timeoutMs)), timeoutMs);
      if (this.#backpressure) this.#waiting.push(entry);
      else this.#send(entry);
    });
  }

  /**
   * Closes the channel; whatever is outstanding rejects with MEDIBUS_ERR_BROKER_UNAVAILABLE.
   * A broker that does not answer channel.close within `timeoutMs` is not waited for: the
   * connection's close (Broker.close, bounded too) ends the channel.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closeReason ??= 'publisher closed';
    await settlesWithin(this.#channel.close(), timeoutMs);
    this.#onClose();
  }

  #send(entry: Pending): void {
    entry.sent = true;
    this.#pending.add(entry);
    try {
      const accepted = this.#channel.publish(
        entry.exchange,
        entry.routingKey,
        entry.content,
        { ...entry.props, persistent: true, mandatory: true },
        (err: unknown) => this.#onConfirm(entry, err),
      );
      // false: amqplib buffered the frame but wants us to wait for 'drain' (Node stream
      // back-pressure); the message itself is on its way, later ones wait.
      if (!accepted) this.#backpressure = true;
    } catch (err) {
      // amqplib throws synchronously when the channel is closed, or (RangeError) when the
      // headers do not fit its 64 KiB encoding buffer — a bug on our side, not an outage.
      entry.settle(
        err instanceof RangeError
          ? new MedibusError('MEDIBUS_ERR_INTERNAL', `message properties too large to encode: ${err.message}`, { cause: err })
          : this.#unavailable(err),
      );
    }
  }

  #onConfirm(entry: Pending, err: unknown): void {
    if (err === null || err === undefined) {
      if (entry.returned === undefined) entry.settle();
      else entry.settle(new MedibusError('MEDIBUS_ERR_BROKER_NACK', entry.returned));
      return;
    }
    // amqplib reports a basic.nack as Error('message nacked') and a close as 'channel closed'.
    if (err instanceof Error && err.message === 'message nacked') {
      entry.settle(new MedibusError('MEDIBUS_ERR_BROKER_NACK', `RabbitMQ nacked the message published to ${target(entry)}`));
    } else {
      entry.settle(this.#unavailable(err));
    }
  }

  #onReturn(msg: Message): void {
    const fields = msg.fields as ReturnFields;
    // Returns carry no delivery tag. Match on what routing depends on (exchange, routing
    // key) plus message id and body; returns arrive in publish order, so the first match in
    // publish order is the one. Two identical in-flight publishes are interchangeable.
    for (const entry of this.#pending) {
      if (
        entry.returned === undefined &&
        entry.exchange === fields.exchange &&
        entry.routingKey === fields.routingKey &&
        entry.props.messageId === msg.properties.messageId &&
        entry.content.equals(msg.content)
      ) {
        const why = fields.replyText ?? 'NO_ROUTE';
        entry.returned = `RabbitMQ returned the message published to ${target(entry)} (${why}): no queue is bound for it; is the channel's topology declared?`;
        return;
      }
    }
  }

  #onDrain(): void {
    this.#backpressure = false;
    while (!this.#backpressure && this.#waiting.length > 0 && !this.#closed) {
      const next = this.#waiting.shift();
      if (next) this.#send(next);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = this.#unavailable();
    for (const entry of [...this.#pending, ...this.#waiting]) entry.settle(error);
  }

  #timeout(entry: Pending, timeoutMs: number): MedibusError {
    const blocked = this.#blockedReason();
    const why = entry.sent
      ? `no publisher confirm from RabbitMQ within ${timeoutMs} ms for the message published to ${target(entry)}`
      : `the message to ${target(entry)} waited ${timeoutMs} ms for the connection to accept more data (back-pressure)`;
    return new MedibusError('MEDIBUS_ERR_BROKER_CONFIRM_TIMEOUT', blocked ? `${why}; RabbitMQ blocks publishing: ${blocked}` : why);
  }

  #unavailable(cause?: unknown): MedibusError {
    // amqplib's own 'channel closed' says nothing more than the code does; the server's
    // channel error (kept from the 'error' event) does.
    const why = this.#closeReason === undefined ? '' : `: ${this.#closeReason}`;
    return new MedibusError(
      'MEDIBUS_ERR_BROKER_UNAVAILABLE',
      `the RabbitMQ channel or connection closed before the message was confirmed${why}`,
      cause === undefined ? {} : { cause },
    );
  }
}

function target(entry: Pending): string {
  return entry.exchange === '' ? `queue '${entry.routingKey}'` : `exchange '${entry.exchange}'`;
}
