/**
 * Moves dead letters back to their destination (`medibus replay`).
 *
 * Each selected message is republished to the destination's headers exchange — which
 * routes it to its own partition by its `medibus-partition` header — with its attempt count
 * and failure headers removed, and acked on the dead queue only after RabbitMQ confirmed
 * the republish. A crash in between leaves a duplicate, never a loss.
 *
 * Messages not selected stay where they were, in their order: they are held unacked while
 * we look further, and go back to the queue, in order, when our channel closes. The scan
 * reads to the end even with `{ id }`: a quorum queue puts each returned message behind the
 * ones returned before, so holding only the messages before the match would move them behind
 * the rest once the queue had been read before (by `medibus dead`, another replay;
 * broker/browse.ts has the measurement).
 */
import type { ConfirmChannel } from 'amqplib';
import { MedibusError } from '../errors.js';
import { exclusively, readyMessages, returned } from './browse.js';
import { ConfirmTracker } from './confirms.js';
import { HEADERS, cleanHeaders, copyProps } from './retry.js';
import type { DestinationTopology } from './topology.js';

export type ReplaySelection = { readonly id: string } | { readonly all: true };

export interface ReplayOptions {
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /**
   * Called with each message's id and replay time just before it is republished: whoever
   * records the replay (the status events) does so before a worker can take the message, so a
   * delivery's `sent` never comes before its `replayed`. When the republish then fails, the
   * message stays dead and `replay` rejects.
   */
  readonly onRepublish?: (messageId: string, at: Date) => void;
}

export interface ReplayResult {
  /** message ids of the messages moved, in the order moved */
  readonly replayed: readonly string[];
  /** messages left in the dead queue, counted at the start of the scan minus those moved */
  readonly remaining: number;
}

export interface ConfirmChannelSource {
  createConfirmChannel(): Promise<ConfirmChannel>;
}

export function replay(
  source: ConfirmChannelSource,
  destination: DestinationTopology,
  selection: ReplaySelection,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  // one reader of the dead queue at a time in this process (browse.ts, exclusively)
  return exclusively(destination.dead, () => replayNow(source, destination, selection, options));
}

async function replayNow(source: ConfirmChannelSource, destination: DestinationTopology, selection: ReplaySelection, options: ReplayOptions): Promise<ReplayResult> {
  const channel = await source.createConfirmChannel();
  const confirms = new ConfirmTracker(channel);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const replayed: string[] = [];
  let scanned = 0;
  let held = 0;
  try {
    // Bound the scan by the count at the start: a message that fails again and returns to
    // the dead queue while we run is not replayed twice.
    const messageCount = await readyMessages(channel, destination.dead);
    scanned = messageCount;
    for (let i = 0; i < messageCount; i++) {
      const msg = await channel.get(destination.dead, { noAck: false });
      if (msg === false) break;
      held += 1;
      const id = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '';
      // held unacked until the channel closes; with { id }, read on past the match (see above)
      if (!selected(selection, id) || ('id' in selection && replayed.length > 0)) continue;
      const at = options.now?.() ?? new Date();
      const headers = { ...cleanHeaders(msg), [HEADERS.replayedAt]: at.toISOString() };
      options.onRepublish?.(id, at);
      // On failure this throws with the message unacked: it stays dead, in its place.
      await confirms.publish(destination.exchange, '', msg.content, { ...copyProps(msg), headers }, timeoutMs);
      channel.ack(msg);
      replayed.push(id);
    }
  } finally {
    // Not nack: on quorum queues a nack-requeue goes to the back. Closing the channel
    // returns what we hold, in the order we read it (test/broker/retry.test.ts).
    await confirms.close();
    // the next reader of the dead queue counts what we did not move (browse.ts, returned)
    if (held > replayed.length) await returned({ createChannel: () => source.createConfirmChannel() }, destination.dead, held - replayed.length);
  }
  if ('id' in selection && replayed.length === 0) {
    throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `no dead letter with message id ${selection.id} in ${destination.dead}`);
  }
  return { replayed, remaining: scanned - replayed.length };
}

function selected(selection: ReplaySelection, id: string): boolean {
  return 'all' in selection ? true : id === selection.id;
}
