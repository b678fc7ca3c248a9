/**
 * The confirm publisher components use: `publish` resolves only once RabbitMQ confirmed the
 * message (docs/architecture.md, "ACK after confirm"), and otherwise rejects with a
 * MedibusError whose code the caller turns into AE/CE or a retry:
 *
 *   MEDIBUS_ERR_BROKER_UNAVAILABLE      not connected (at once), or the connection/channel
 *                                       dropped with the confirm outstanding
 *   MEDIBUS_ERR_BROKER_NACK             nacked, or returned as unroutable
 *   MEDIBUS_ERR_BROKER_CONFIRM_TIMEOUT  no confirm within timeoutMs (including time spent
 *                                       waiting for back-pressure to clear)
 *
 * One confirm channel per Publisher, re-opened by a Broker hook after every reconnect, and
 * after a channel-level error (e.g. publishing to an exchange that does not exist closes
 * the channel with 404) while the connection stays up.
 */
import type { ChannelModel } from 'amqplib';
import { MedibusError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { ConfirmTracker, type PublishProps } from './confirms.js';
import { errorSummary, type Broker } from './connection.js';

export type { PublishProps } from './confirms.js';

export interface PublishOptions {
  /** how long to wait for the confirm; intake uses the channel's ackTimeout (default 5 s) */
  readonly timeoutMs: number;
}

export interface PublisherOptions {
  readonly name?: string;
  readonly logger?: Logger;
}

const REOPEN_DELAY_MS = 100;

export class Publisher {
  readonly #broker: Broker;
  readonly #log: Logger;
  readonly #unregister: () => void;
  #tracker: ConfirmTracker | undefined;
  #reopenTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(broker: Broker, options: PublisherOptions = {}) {
    this.#broker = broker;
    const name = options.name ?? 'publisher';
    this.#log = (options.logger ?? silentLogger).child({ component: 'publisher', publisher: name });
    this.#unregister = broker.onConnect(`publisher ${name}`, (connection) => this.#open(connection));
  }

  /** a confirm channel is open: `publish` will not fail fast */
  get isReady(): boolean {
    return this.#tracker?.isOpen === true;
  }

  /** Publishes persistent and mandatory; resolves when RabbitMQ confirmed (see the file comment). */
  publish(exchange: string, routingKey: string, content: Buffer, props: PublishProps, options: PublishOptions): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new MedibusError('MEDIBUS_ERR_SHUTDOWN', 'the publisher is closed'));
    }
    const tracker = this.#tracker;
    if (tracker === undefined || !tracker.isOpen) {
      // Fail at once: the sender is better served by an AE now than by one after ackTimeout.
      return Promise.reject(new MedibusError('MEDIBUS_ERR_BROKER_UNAVAILABLE', 'not connected to RabbitMQ'));
    }
    return tracker.publish(exchange, routingKey, content, props, options.timeoutMs);
  }

  /**
   * Stops publishing: new publishes fail with MEDIBUS_ERR_SHUTDOWN; outstanding confirms get
   * up to graceMs to arrive, then whatever is left rejects with BROKER_UNAVAILABLE.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    clearTimeout(this.#reopenTimer);
    const tracker = this.#tracker;
    if (!tracker) return;
    const deadline = Date.now() + (options.graceMs ?? 5000);
    while (tracker.isOpen && tracker.outstanding > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // a broker that answers nothing does not get more than the grace to close the channel
    await tracker.close(Math.max(deadline - Date.now(), 100));
    this.#tracker = undefined;
  }

  async #open(connection: Pick<ChannelModel, 'createConfirmChannel'>): Promise<void> {
    if (this.#closed) return;
    const channel = await connection.createConfirmChannel();
    const tracker = new ConfirmTracker(channel, () => this.#broker.blockedReason);
    channel.on('close', () => {
      if (this.#tracker !== tracker) return;
      this.#tracker = undefined;
      if (this.#closed) return;
      this.#log.debug('confirm channel closed');
      this.#reopenSoon();
    });
    if (this.#closed || this.#tracker?.isOpen) {
      await tracker.close();
      return;
    }
    this.#tracker = tracker;
    this.#log.debug('confirm channel open');
  }

  /**
   * A channel error closed only our channel: open another on the same connection. While the
   * connection is down (or its hooks still run) we look again a little later; the reconnect
   * hook may well get there first, which #open tolerates.
   */
  #reopenSoon(delay = REOPEN_DELAY_MS): void {
    clearTimeout(this.#reopenTimer);
    this.#reopenTimer = setTimeout(() => {
      if (this.#closed || this.#tracker?.isOpen) return;
      if (!this.#broker.isConnected) {
        this.#reopenSoon(Math.min(delay * 2, 2000));
        return;
      }
      this.#open(this.#broker).catch((err: unknown) => {
        this.#log.warn({ err: errorSummary(err) }, 'could not reopen the confirm channel; trying again');
        this.#reopenSoon(Math.min(delay * 2, 2000));
      });
    }, delay);
  }
}
