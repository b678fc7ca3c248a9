/**
 * Keeps a broker outage audible. While RabbitMQ is away every sender gets `AE` and nothing
 * else happens, so a warning at a bounded rate says how long it has been away, why, and how
 * many messages were refused meanwhile; when it is back, one line says so.
 */
import type { Logger } from '../log.js';
import type { StatusBus } from '../status/events.js';
import type { Broker } from './connection.js';

export interface BrokerOutageOptions {
  /** the connection intake publishes on: its outage is what senders meet as AE */
  readonly broker: Broker;
  readonly status: StatusBus;
  readonly log: Logger;
  /** at most one warning per interval while the outage lasts (ms; default 30 s) */
  readonly intervalMs?: number | undefined;
}

export const DEFAULT_OUTAGE_LOG_INTERVAL_MS = 30_000;

export class BrokerOutage {
  readonly #options: BrokerOutageOptions;
  readonly #timer: NodeJS.Timeout;
  readonly #offStatus: () => void;
  /** messages answered negatively because the broker was away, since it went away */
  #refused = 0;

  constructor(options: BrokerOutageOptions) {
    this.#options = options;
    this.#offStatus = options.status.on((event) => {
      if (event.status === 'refused' && event.code?.startsWith('MEDIBUS_ERR_BROKER_') && options.broker.downSince !== undefined) this.#refused += 1;
    });
    options.broker.on('connected', this.#onConnected);
    this.#timer = setInterval(() => this.#report(), options.intervalMs ?? DEFAULT_OUTAGE_LOG_INTERVAL_MS);
    // a safety net only: the engine closes it on stop
    this.#timer.unref();
  }

  /** messages refused (AE) during the current outage */
  get refused(): number {
    return this.#refused;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#offStatus();
    this.#options.broker.off('connected', this.#onConnected);
  }

  #report(): void {
    const since = this.#options.broker.downSince;
    if (since === undefined) return;
    const awayS = Math.round((Date.now() - since) / 1000);
    const reason = this.#options.broker.lastError ?? 'RabbitMQ is not reachable';
    this.#options.log.warn(
      { event: 'broker-away', awaySeconds: awayS, refused: this.#refused, reason },
      `${reason}; away for ${awayS} s, ${this.#refused} message(s) refused (AE) meanwhile`,
    );
  }

  readonly #onConnected = (): void => {
    if (this.#refused > 0) {
      this.#options.log.info({ event: 'broker-back', refused: this.#refused }, `RabbitMQ is back; ${this.#refused} message(s) were refused (AE) while it was away`);
    }
    this.#refused = 0;
  };
}
