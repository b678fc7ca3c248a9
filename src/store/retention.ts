/**
 * Retention: per channel, messages received longer ago than its `store.retention` are deleted
 * in batches of `batch` (default 500) with a pause between, so the writer's transactions get
 * the database between two deletions (SQLite has one writer at a time; on PostgreSQL a short
 * transaction holds few row locks).
 */
import { errorMessage, MedibusError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ChannelStoreSettings, MessageStore } from './types.js';

const HOUR = 3_600_000;

/** `30d` → ms, `48h` → ms (the channel schema allows only these two units). */
export function retentionMs(text: string): number {
  const m = /^([1-9][0-9]{0,4})([hd])$/.exec(text);
  if (!m) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', `store.retention ${text} is not a number of hours or days, e.g. 30d or 48h`);
  return Number(m[1]) * (m[2] === 'd' ? 24 * HOUR : HOUR);
}

export interface RetentionOptions {
  readonly store: MessageStore;
  readonly channels: () => ReadonlyMap<string, ChannelStoreSettings>;
  readonly log: Logger;
  /** default every 10 minutes */
  readonly intervalMs?: number;
  readonly batch?: number;
  readonly pauseMs?: number;
}

/** One pass over every channel; returns how many messages were deleted. */
export async function pruneOnce(o: RetentionOptions, now = new Date()): Promise<number> {
  const batch = o.batch ?? 500;
  let total = 0;
  for (const [channel, settings] of o.channels()) {
    const before = new Date(now.getTime() - settings.retentionMs);
    for (;;) {
      const n = await o.store.prune(channel, before, batch);
      total += n;
      if (n < batch) break;
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 50));
    }
  }
  return total;
}

/** Runs pruneOnce now and every interval; the returned function stops it. */
export function startRetention(o: RetentionOptions): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running) return;
    running = pruneOnce(o)
      .then((n) => {
        if (n > 0) o.log.info({ event: 'store-pruned', messages: n }, 'message store retention pruned old messages');
      })
      .catch((error: unknown) => o.log.warn({ event: 'store-prune-failed', error: errorMessage(error) }, 'message store retention failed; tried again later'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, o.intervalMs ?? 600_000);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
