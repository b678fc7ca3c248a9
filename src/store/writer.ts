/**
 * The message path's only contact with the store: `event()` and `content()` put a write in a
 * bounded in-memory queue and return. A loop flushes the queue in batches (one transaction
 * each). While the store fails, batches stay queued and are retried with backoff; once the
 * memory bound is reached, writes go to the spill file (spill.ts), in order, and are caught
 * up when the store is back. Nothing is dropped unless the disk refuses the spill too, and that
 * is counted (`dropped`) and logged.
 */
import { hostname } from 'node:os';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { StatusEvent } from '../status/events.js';
import { uuidv7 } from '../util/ids.js';
import type { Spill } from './spill.js';
import type { ChannelStoreSettings, ContentRecord, MessageStore, StoreWrite, StoreWriter, StoreWriterStats } from './types.js';

export interface WriterOptions {
  readonly store: MessageStore;
  readonly spill: Spill;
  readonly log: Logger;
  /** the channel's `store:` settings; content of a channel in mode `none` is not queued */
  readonly settings: (channel: string) => ChannelStoreSettings;
  /** writes kept in memory before spilling (default 20000) */
  readonly maxQueued?: number;
  /** bytes of payload and Bundle kept in memory before spilling (default 64 MiB) */
  readonly maxQueuedBytes?: number;
  readonly batchSize?: number;
  /** how long a write may wait for company before a flush (default 100 ms) */
  readonly flushDelayMs?: number;
  /** longest pause between retries while the store fails (default 5 s) */
  readonly maxRetryDelayMs?: number;
  readonly instance?: string;
}

const sizeOf = (w: StoreWrite): number => (w.type === 'content' ? (w.content.payload?.length ?? 0) + (w.content.bundle?.length ?? 0) : 0);

export class BatchingWriter implements StoreWriter {
  readonly #o: Required<Omit<WriterOptions, 'instance'>> & { instance: string };
  #queue: StoreWrite[] = [];
  #queuedBytes = 0;
  #written = 0;
  #failedBatches = 0;
  #dropped = 0;
  #lastError: string | undefined;
  #healthy = true;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #retryDelay = 0;
  #closed = false;

  constructor(options: WriterOptions) {
    this.#o = {
      maxQueued: 20_000,
      maxQueuedBytes: 64 * 1024 * 1024,
      batchSize: 500,
      flushDelayMs: 100,
      maxRetryDelayMs: 5000,
      instance: `${hostname()}:${process.pid}`,
      ...options,
    };
    if (this.#o.spill.count > 0) this.#schedule(0);
  }

  event(event: StatusEvent): void {
    this.#push({ type: 'event', id: uuidv7(), event: { ...event, instance: this.#o.instance } });
  }

  content(content: ContentRecord): void {
    let mode;
    try {
      mode = this.#o.settings(content.channel).content;
    } catch {
      mode = 'metadata' as const;
    }
    if (mode === 'none') return;
    this.#push({ type: 'content', mode, content });
  }

  #push(w: StoreWrite): void {
    if (this.#closed) return void this.#drop(1, 'the store writer is closed');
    // once anything is spilled, later writes follow it there, so the store sees them in order
    if (this.#o.spill.count > 0 || this.#queue.length >= this.#o.maxQueued || this.#queuedBytes >= this.#o.maxQueuedBytes) {
      this.#o.spill.append([w]).catch((error: unknown) => this.#drop(1, errorMessage(error)));
    } else {
      this.#queue.push(w);
      this.#queuedBytes += sizeOf(w);
    }
    this.#schedule(this.#queue.length >= this.#o.batchSize ? 0 : this.#o.flushDelayMs);
  }

  #drop(n: number, why: string): void {
    this.#dropped += n;
    this.#o.log.error({ event: 'store-write-dropped', count: n, dropped: this.#dropped, error: why }, 'message history could not be queued or spilled');
  }

  #schedule(delay: number): void {
    if (this.#timer || this.#flushing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushAll().finally(() => {
        this.#flushing = undefined;
        if (this.#pending() > 0) this.#schedule(this.#retryDelay || this.#o.flushDelayMs);
      });
    }, delay);
    this.#timer.unref();
  }

  #pending(): number {
    return this.#queue.length + this.#o.spill.count;
  }

  /** Writes until memory and spill are empty or a batch fails. */
  async #flushAll(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.slice(0, this.#o.batchSize);
        await this.#o.store.write(batch);
        this.#queue = this.#queue.slice(batch.length);
        this.#queuedBytes = this.#queue.reduce((n, w) => n + sizeOf(w), 0);
        this.#ok(batch.length);
      }
      for (let seg = await this.#o.spill.oldest(); seg; seg = await this.#o.spill.oldest()) {
        for (let i = 0; i < seg.writes.length; i += this.#o.batchSize) await this.#o.store.write(seg.writes.slice(i, i + this.#o.batchSize));
        await this.#o.spill.done(seg.segment, seg.writes.length);
        this.#ok(seg.writes.length);
        // new writes may have queued in memory meanwhile only if the spill was empty; keep order
        if (this.#queue.length > 0) return;
      }
    } catch (error) {
      this.#failedBatches += 1;
      this.#lastError = errorMessage(error);
      this.#retryDelay = Math.min(this.#o.maxRetryDelayMs, Math.max(200, this.#retryDelay * 2));
      if (this.#healthy) this.#o.log.warn({ event: 'store-unavailable', error: this.#lastError, behind: this.#pending() }, 'message store write failed; keeping the writes and retrying');
      this.#healthy = false;
    }
  }

  #ok(n: number): void {
    this.#written += n;
    this.#retryDelay = 0;
    if (!this.#healthy) this.#o.log.info({ event: 'store-available', behind: this.#pending() }, 'message store writes succeed again; catching up');
    this.#healthy = true;
    this.#lastError = undefined;
  }

  stats(): StoreWriterStats {
    const queued = this.#queue.length;
    const spilled = this.#o.spill.count;
    return {
      queued,
      spilled,
      written: this.#written,
      failedBatches: this.#failedBatches,
      dropped: this.#dropped,
      behind: this.#healthy ? spilled : queued + spilled,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      healthy: this.#healthy,
    };
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.#pending() > 0 && Date.now() < deadline) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      await (this.#flushing ?? (this.#flushing = this.#flushAll().finally(() => (this.#flushing = undefined))));
      if (this.#pending() > 0 && !this.#healthy) await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
    // what is still in memory goes to the spill file, caught up at the next start
    if (this.#queue.length > 0) {
      const rest = this.#queue;
      this.#queue = [];
      await this.#o.spill.append(rest).catch((error: unknown) => this.#drop(rest.length, errorMessage(error)));
    }
    if (this.#timer) clearTimeout(this.#timer);
  }
}
