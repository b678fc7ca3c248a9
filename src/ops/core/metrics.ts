/**
 * Prometheus metrics (prom-client), in a registry of the app's own (two apps in one process,
 * as in tests, do not collide): per channel and status, per destination and status, the ACK
 * latency, and queue depths sampled at scrape time.
 *
 * ACK latency is read off the message id: intake makes it a UUIDv7 from the receipt time
 * (RFC 9562 §5.7, the first 48 bits are Unix ms), and emits `received` once the broker
 * confirmed, i.e. just before the ACK is written; the difference is the time a sender waits.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StatusBus } from '../../status/events.js';
import type { ChannelDepths } from './queues.js';
import type { OpsChannel } from './types.js';

export function uuidv7Millis(id: string): number | undefined {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '7') return undefined;
  return parseInt(hex.slice(0, 12), 16);
}

export class OpsMetrics {
  readonly registry = new Registry();
  readonly #messages: Counter<'channel' | 'status'>;
  readonly #deliveries: Counter<'channel' | 'destination' | 'status'>;
  readonly #ackLatency: Histogram<'channel'>;

  constructor(options: {
    channels: () => readonly OpsChannel[];
    depths: (c: OpsChannel) => Promise<ChannelDepths | undefined>;
    /** per destination, ms since its oldest waiting message (context.ts oldestWaiting), null if none */
    oldestWaitingMs: (c: OpsChannel) => Promise<Readonly<Record<string, number | null>>>;
  }) {
    const registers = [this.registry];
    this.#messages = new Counter({ name: 'medibus_messages_total', help: 'Message transitions per channel and status (received, filtered, transformed, errored, …)', labelNames: ['channel', 'status'], registers });
    this.#deliveries = new Counter({ name: 'medibus_deliveries_total', help: 'Delivery outcomes per channel, destination and status (sent, retrying, dead-lettered, replayed)', labelNames: ['channel', 'destination', 'status'], registers });
    this.#ackLatency = new Histogram({
      name: 'medibus_ack_latency_seconds',
      help: 'From receipt to the broker confirm the ACK waits for',
      labelNames: ['channel'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    // prom-client calls collect() as it reads each metric: each gauge samples for itself
    new Gauge({
      name: 'medibus_queue_messages',
      help: 'Ready messages per channel queue group (ingress, failed, destination waiting/retrying/dead)',
      labelNames: ['channel', 'queue', 'destination'],
      registers,
      async collect() {
        this.reset();
        for (const c of options.channels()) {
          const d = await options.depths(c);
          if (!d) continue;
          this.set({ channel: c.id, queue: 'ingress', destination: '' }, d.ingress);
          this.set({ channel: c.id, queue: 'failed', destination: '' }, d.failed);
          for (const dest of d.destinations) {
            this.set({ channel: c.id, queue: 'waiting', destination: dest.name }, dest.waiting);
            this.set({ channel: c.id, queue: 'retrying', destination: dest.name }, dest.retrying);
            this.set({ channel: c.id, queue: 'dead', destination: dest.name }, dest.dead);
          }
        }
      },
    });
    new Gauge({
      name: 'medibus_oldest_waiting_seconds',
      help: 'Per channel and destination, the age of the oldest message not yet delivered or still dead-lettered (0 when none)',
      labelNames: ['channel', 'destination'],
      registers,
      async collect() {
        this.reset();
        for (const c of options.channels()) {
          for (const [destination, ms] of Object.entries(await options.oldestWaitingMs(c))) this.set({ channel: c.id, destination }, (ms ?? 0) / 1000);
        }
      },
    });
    new Gauge({
      name: 'medibus_channel_running',
      help: '1 when the channel runs, 0 paused, stopped or down',
      labelNames: ['channel'],
      registers,
      collect() {
        this.reset();
        for (const c of options.channels()) this.set({ channel: c.id }, c.state === 'running' && c.down === undefined ? 1 : 0);
      },
    });
  }

  follow(bus: StatusBus): () => void {
    return bus.on((event) => {
      if (event.destination !== undefined) this.#deliveries.inc({ channel: event.channel, destination: event.destination, status: event.status });
      else this.#messages.inc({ channel: event.channel, status: event.status });
      if (event.status === 'received' && event.messageId !== undefined) {
        const at = uuidv7Millis(event.messageId);
        if (at !== undefined) this.#ackLatency.observe({ channel: event.channel }, Math.max(0, event.at.getTime() - at) / 1000);
      }
    });
  }
}
