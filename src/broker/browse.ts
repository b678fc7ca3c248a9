/**
 * Reads a queue without consuming it (`medibus dead`): the messages are fetched with
 * basic.get and no auto-ack on a channel of our own, and that channel is then closed, which
 * returns every unacked message to the queue.
 *
 * Where they return matters. Measured on RabbitMQ 3.10.8, a quorum queue serves returned
 * messages before never-delivered ones, but each return joins the BACK of the returned ones:
 * read a, b of a fresh a, b, c, d and close, and it is a, b, c, d again; but once all four
 * were read and returned once (a listing), reading a, b and closing leaves c, d, a, b. So the
 * scan always reads the whole queue (the count at the start), whatever the limit: with every
 * message returned in the order read, the queue ends as it began, however often it is
 * listed (test/cli/dead.test.ts fails with a limited read). The limit bounds what is kept
 * and printed, not what is read; the broker holds the rest as unacked deliveries meanwhile,
 * and we keep nothing of them. Not nack-requeue either: that sends a quorum message to the
 * back of the whole queue and counts as a redelivery.
 *
 * Only for queues without single active consumer (the dead and failed queues): a SAC quorum
 * queue refuses basic.get.
 */
import type { Channel, GetMessage } from 'amqplib';
import { setTimeout as delay } from 'node:timers/promises';
import { MedibusError } from '../errors.js';

export interface ChannelSource {
  createChannel(): Promise<Channel>;
}

export interface Browsed {
  /** the messages read, head first */
  readonly messages: readonly GetMessage[];
  /** ready messages in the queue when we started */
  readonly total: number;
}

/** the read of each queue in progress in this process (see exclusively) */
const reading = new Map<string, Promise<unknown>>();

/**
 * Runs `read` once no other reader of `queue` in this process is at it. A reader holds what
 * it read unacked until its channel closes, and RabbitMQ counts held messages as not ready:
 * a second reader meanwhile would miss them (a replay's dry run counting 0 of 0 while the
 * dashboard's sampler reads the dead queue's head). Readers in other processes (`medibus
 * dead` beside a running engine) are not ordered by this.
 */
export async function exclusively<T>(queue: string, read: () => Promise<T>): Promise<T> {
  const before = reading.get(queue) ?? Promise.resolve();
  const run = before.then(read, read);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  reading.set(queue, settled);
  try {
    return await run;
  } finally {
    if (reading.get(queue) === settled) reading.delete(queue);
  }
}

/** The first `limit` messages of `queue`, or with `match` the first one it accepts. */
export function browse(source: ChannelSource, queue: string, options: { limit: number; match?: (msg: GetMessage) => boolean }): Promise<Browsed> {
  return exclusively(queue, () => browseNow(source, queue, options));
}

async function browseNow(source: ChannelSource, queue: string, options: { limit: number; match?: (msg: GetMessage) => boolean }): Promise<Browsed> {
  const channel = await source.createChannel();
  // a passive declare of a missing queue closes the channel (404): the rejection below says so
  channel.on('error', () => undefined);
  const messages: GetMessage[] = [];
  let held = 0;
  try {
    const messageCount = await readyMessages(channel, queue);
    // to the end even once we have what we want: see above, a quorum queue would reorder
    for (let i = 0; i < messageCount; i++) {
      const msg = await channel.get(queue, { noAck: false });
      if (msg === false) break;
      held += 1;
      if (messages.length >= options.limit) continue;
      if (options.match === undefined || options.match(msg)) messages.push(msg);
    }
    return { messages, total: messageCount };
  } finally {
    // returns what we hold, in order; never ack here
    await channel.close().catch(() => undefined);
    if (held > 0) await returned(source, queue, held);
  }
}

/**
 * Waits (bounded) until `queue` counts at least `ready` messages again. RabbitMQ puts the
 * messages a closed channel held back a moment after it answered the close (a quorum queue
 * through its log), so a reader that came next at once would count them as gone: a dashboard
 * listing followed by a replay's dry run read "0 of 0". Nothing consumes a dead or failed
 * queue, so its count only grows meanwhile. After `timeoutMs` it gives up quietly: the next
 * reader then sees fewer, as before.
 */
export async function returned(source: ChannelSource, queue: string, ready: number, timeoutMs = 5000): Promise<void> {
  const channel = await source.createChannel().catch(() => undefined);
  if (channel === undefined) return;
  channel.on('error', () => undefined);
  const deadline = Date.now() + timeoutMs;
  try {
    while ((await channel.checkQueue(queue)).messageCount < ready && Date.now() < deadline) await delay(10);
  } catch {
    // the queue went away or the connection dropped: there is nothing left to wait for
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** Ready messages in `queue`; a queue that does not exist is said as such, not as amqplib's 404 (the channel closes). */
export async function readyMessages(channel: Channel, queue: string): Promise<number> {
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) {
      throw new MedibusError('MEDIBUS_ERR_BROKER_NO_QUEUE', `queue ${queue} does not exist on this broker: was the channel started here (same URL and vhost)?`);
    }
    throw error;
  }
}
