/**
 * Counters the dashboard shows, kept from the status bus: per channel received, filtered,
 * transformed, errored; per destination sent, retrying, dead; a per-minute history of the
 * last hour (messages and errors), and per destination the messages handed to it and not
 * yet sent or dead (the oldest of them is the "oldest waiting" age of the partition queues,
 * which RabbitMQ cannot show us: a single-active-consumer quorum queue refuses basic.get).
 *
 * Counts are this process's since start; with several instances each shows its own, the
 * store has the whole picture.
 */
import type { StatusBus, StatusEvent } from '../../status/events.js';

export const HISTORY_MINUTES = 60;

export interface DestinationCounts {
  sent: number;
  retrying: number;
  dead: number;
}

export interface ChannelCounts {
  received: number;
  refused: number;
  filtered: number;
  duplicate: number;
  transformed: number;
  errored: number;
  replayed: number;
  destinations: Record<string, DestinationCounts>;
}

interface Minute {
  minute: number;
  messages: number;
  errors: number;
}

interface ChannelState {
  counts: ChannelCounts;
  history: Minute[];
  /** destination → message id → when it was handed over */
  pending: Map<string, Map<string, number>>;
}

export class OpsCounters {
  readonly #channels = new Map<string, ChannelState>();
  readonly #destinationsOf: (channel: string) => readonly string[];
  readonly #now: () => number;
  readonly #listeners = new Set<(event: StatusEvent) => void>();

  constructor(options: { destinationsOf: (channel: string) => readonly string[]; now?: () => number }) {
    this.#destinationsOf = options.destinationsOf;
    this.#now = options.now ?? Date.now;
  }

  follow(bus: StatusBus): () => void {
    return bus.on((event) => this.record(event));
  }

  /** called after each recorded event (the live feed) */
  onChange(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  record(event: StatusEvent): void {
    const state = this.#state(event.channel);
    const c = state.counts;
    const dest = event.destination === undefined ? undefined : (c.destinations[event.destination] ??= { sent: 0, retrying: 0, dead: 0 });
    const minute = this.#minute(state);
    switch (event.status) {
      case 'received':
        c.received += 1;
        minute.messages += 1;
        break;
      case 'refused':
        c.refused += 1;
        minute.errors += 1;
        break;
      case 'filtered':
        c.filtered += 1;
        break;
      case 'duplicate':
        c.duplicate += 1;
        break;
      case 'transformed':
        c.transformed += 1;
        if (event.messageId !== undefined) {
          for (const d of this.#destinationsOf(event.channel)) this.#pendingOf(state, d).set(event.messageId, event.at.getTime());
        }
        break;
      case 'errored':
        c.errored += 1;
        minute.errors += 1;
        break;
      case 'replayed':
        c.replayed += 1;
        if (event.messageId !== undefined && event.destination !== undefined) this.#pendingOf(state, event.destination).set(event.messageId, event.at.getTime());
        break;
      case 'sent':
      case 'retrying':
      case 'dead-lettered':
        if (dest) {
          if (event.status === 'sent') dest.sent += 1;
          else if (event.status === 'retrying') dest.retrying += 1;
          else dest.dead += 1;
        }
        if (event.status === 'dead-lettered') minute.errors += 1;
        if (event.status !== 'retrying' && event.messageId !== undefined && event.destination !== undefined) this.#pendingOf(state, event.destination).delete(event.messageId);
        break;
      default:
        event.status satisfies never;
    }
    for (const listener of this.#listeners) listener(event);
  }

  counts(channel: string): ChannelCounts {
    const counts = structuredClone(this.#state(channel).counts);
    for (const d of this.#destinationsOf(channel)) counts.destinations[d] ??= { sent: 0, retrying: 0, dead: 0 };
    return counts;
  }

  /** the last hour, oldest minute first, HISTORY_MINUTES entries (empty minutes are zero) */
  history(channel: string): { messages: number[]; errors: number[] } {
    const state = this.#state(channel);
    const now = Math.floor(this.#now() / 60_000);
    const messages: number[] = [];
    const errors: number[] = [];
    for (let m = now - HISTORY_MINUTES + 1; m <= now; m++) {
      const found = state.history.find((h) => h.minute === m);
      messages.push(found?.messages ?? 0);
      errors.push(found?.errors ?? 0);
    }
    return { messages, errors };
  }

  /** ms since the oldest message handed to `destination` and not yet sent or dead, or undefined */
  oldestPendingAge(channel: string, destination: string): number | undefined {
    const pending = this.#state(channel).pending.get(destination);
    if (!pending || pending.size === 0) return undefined;
    // insertion order is handover order; a replay re-inserts at the end
    let oldest = Infinity;
    for (const at of pending.values()) oldest = Math.min(oldest, at);
    return Math.max(0, this.#now() - oldest);
  }

  #state(channel: string): ChannelState {
    let state = this.#channels.get(channel);
    if (!state) {
      state = {
        counts: { received: 0, refused: 0, filtered: 0, duplicate: 0, transformed: 0, errored: 0, replayed: 0, destinations: {} },
        history: [],
        pending: new Map(),
      };
      this.#channels.set(channel, state);
    }
    return state;
  }

  #pendingOf(state: ChannelState, destination: string): Map<string, number> {
    let pending = state.pending.get(destination);
    if (!pending) state.pending.set(destination, (pending = new Map()));
    return pending;
  }

  #minute(state: ChannelState): Minute {
    const minute = Math.floor(this.#now() / 60_000);
    let last = state.history.at(-1);
    if (last?.minute !== minute) {
      last = { minute, messages: 0, errors: 0 };
      state.history.push(last);
      while (state.history.length > 0 && state.history[0]!.minute <= minute - HISTORY_MINUTES) state.history.shift();
    }
    return last;
  }
}
