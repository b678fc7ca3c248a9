/**
 * Consumes a list of queues (a channel's partitions) with manual acknowledgements.
 *
 * Contract: the handler resolves with what to do with the message once it is *safe*:
 *   'ack'      the message's effect is durable elsewhere (output confirmed by the broker,
 *              delivered, or dead-lettered with a confirm) — RabbitMQ may forget it;
 *   'requeue'  process it again, later (after `requeueDelayMs`), still before the messages
 *              that followed it.
 * There is deliberately no 'reject': partition queues have no dead-letter exchange, so a
 * reject would discard the message. Dead-lettering is an explicit, confirmed publish
 * (retry.ts) followed by 'ack'. A handler that throws counts as 'requeue'.
 *
 * Order: each queue is processed in delivery order; queues run in parallel, each on its own
 * AMQP channel with its own `prefetch`. By default one message at a time per queue. With
 * `keyOf` and `concurrency`, up to `concurrency` messages of one queue run at once, but never
 * two of the same key (the patient): a key's messages run one after the other, in order,
 * and a message held for its key (retrying) holds only that key's later messages — other
 * patients in the partition flow past it. Acks are individual, so they may go out of order;
 * a redelivery (requeue, crash) returns every unacked message in queue order. Requeueing must not
 * reorder, and on quorum queues basic.nack/reject/recover with requeue put the message at
 * the *back* of the queue (measured on 3.10.8, test/broker/consumer.test.ts), while
 * messages returned because their channel closed go back to the *head*, in order. So
 * 'requeue' (and stop) never nack: they close that queue's channel and subscribe again.
 *
 * A handler may hold a message for long (ordering: patient retries in process) but must
 * stay under RabbitMQ's `consumer_timeout` (30 min by default), past which the broker closes
 * the channel and redelivers. `signal` tells the handler when acking has become impossible.
 *
 * With single active consumer queues, several processes may run this on the same queues:
 * one receives per queue; the next takes over when it goes (RabbitMQ docs, "Single Active
 * Consumer"), including while a requeue briefly closes our channel.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { silentLogger, type Logger } from '../log.js';
import { errorSummary, type Broker } from './connection.js';

export type Disposition = 'ack' | 'requeue';

export interface Delivery {
  readonly message: ConsumeMessage;
  readonly queue: string;
  /**
   * Aborted when this delivery can no longer be acknowledged (channel or connection lost;
   * RabbitMQ will redeliver it) or `stop()` ran out of patience: stop retrying, return.
   */
  readonly signal: AbortSignal;
}

export type MessageHandler = (delivery: Delivery) => Promise<Disposition>;

export interface ConsumerOptions {
  readonly queues: readonly string[];
  /** unacked messages per queue; 1 is strict, a few more save round trips */
  readonly prefetch: number;
  readonly handler: MessageHandler;
  readonly name?: string;
  readonly logger?: Logger;
  /** pause before a requeued message is delivered again, so a failure does not spin; default 1000 */
  readonly requeueDelayMs?: number;
  /**
   * The ordering key of a message (e.g. the hashed patient key). Messages with the same key
   * are handled one at a time, in order; without keyOf every message shares one key.
   */
  readonly keyOf?: (message: ConsumeMessage) => string;
  /** handlers running at once per queue (messages of different keys); default 1 */
  readonly concurrency?: number;
}

type ChannelSource = Pick<ChannelModel, 'createChannel'>;

/** One subscription of one queue: lives as long as its AMQP channel. */
interface Session {
  readonly channel: Channel;
  /** delivered, not yet started, in delivery order */
  readonly buffer: ConsumeMessage[];
  /** keys with a handler running → their later messages, in order */
  readonly busy: Map<string, ConsumeMessage[]>;
  readonly running: Set<Promise<void>>;
  readonly abort: AbortController;
  consumerTag: string | undefined;
  requeued: boolean;
  closed: boolean;
  /** acks sent on the channel */
  acks: number;
  /** the latest round trip that waits for the acks sent before it (acksSettled) */
  barrier: { readonly covers: number; readonly done: Promise<void> } | undefined;
}

interface Lane {
  readonly queue: string;
  session: Session | undefined;
  opening: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  failures: number;
}

const RESUBSCRIBE_MAX_DELAY_MS = 15_000;

export class Consumer {
  readonly #broker: Broker;
  readonly #options: ConsumerOptions;
  readonly #log: Logger;
  readonly #lanes: Lane[];
  #unregister: (() => void) | undefined;
  #stopping = false;

  constructor(broker: Broker, options: ConsumerOptions) {
    this.#broker = broker;
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'consumer', consumer: options.name ?? 'consumer' });
    this.#lanes = options.queues.map((queue) => ({ queue, session: undefined, opening: undefined, timer: undefined, failures: 0 }));
  }

  /** Subscribes now if connected, and again after every reconnect. */
  start(): void {
    if (this.#unregister || this.#stopping) return;
    this.#unregister = this.#broker.onConnect(`consumer ${this.#options.name ?? ''}`, (c) => this.#subscribeAll(c));
  }

  /** every queue has an open subscription */
  get isSubscribed(): boolean {
    return this.#lanes.every((lane) => lane.session !== undefined && !lane.session.closed);
  }

  /**
   * Cancels the subscriptions (no new deliveries), waits up to timeoutMs for the handlers in
   * flight to finish and be acked, then closes the channels: prefetched messages, and those
   * of handlers that did not finish, go back to the head of their queues, in order.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#unregister?.();
    for (const lane of this.#lanes) clearTimeout(lane.timer);
    await Promise.all(this.#lanes.map((lane) => lane.opening?.catch(() => undefined)));
    const sessions = this.#lanes.flatMap((lane) => (lane.session && !lane.session.closed ? [lane.session] : []));
    await Promise.all(sessions.map((s) => (s.consumerTag ? s.channel.cancel(s.consumerTag).catch(() => undefined) : undefined)));
    const running = sessions.flatMap((s) => [...s.running]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 10_000);
    });
    const outcome = await Promise.race([Promise.all(running), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.#log.warn('handlers still running at stop; their messages go back to the queue');
    for (const s of sessions) s.abort.abort();
    await Promise.all(sessions.map((s) => s.channel.close().catch(() => undefined)));
  }

  async #subscribeAll(connection: ChannelSource): Promise<void> {
    const results = await Promise.allSettled(this.#lanes.map((lane) => this.#open(lane, connection)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason; // reported as 'hook-error'; the lane retries by itself
  }

  #open(lane: Lane, source: ChannelSource): Promise<void> {
    if (this.#stopping || (lane.session && !lane.session.closed)) return Promise.resolve();
    // The reconnect hook and the lane's timer may both get here; one subscription wins.
    lane.opening ??= this.#openSession(lane, source).finally(() => {
      lane.opening = undefined;
    });
    return lane.opening;
  }

  async #openSession(lane: Lane, source: ChannelSource): Promise<void> {
    const channel = await source.createChannel();
    const session: Session = { channel, buffer: [], busy: new Map(), running: new Set(), abort: new AbortController(), consumerTag: undefined, requeued: false, closed: false, acks: 0, barrier: undefined };
    channel.on('error', (err: Error) => this.#log.warn({ queue: lane.queue, err: errorSummary(err) }, 'consumer channel error'));
    channel.on('close', () => this.#onClose(lane, session));
    lane.session = session;
    if (this.#stopping) {
      await channel.close().catch(() => undefined);
      return;
    }
    await channel.prefetch(this.#options.prefetch, false);
    const { consumerTag } = await channel.consume(lane.queue, (msg) => this.#onDelivery(lane, session, msg), { noAck: false });
    session.consumerTag = consumerTag;
    lane.failures = 0;
    this.#log.debug({ queue: lane.queue }, 'subscribed');
  }

  #onDelivery(lane: Lane, session: Session, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // basic.cancel from the server (queue deleted): start over on a fresh channel.
      this.#log.warn({ queue: lane.queue }, 'subscription cancelled by RabbitMQ; resubscribing');
      session.channel.close().catch(() => undefined);
      return;
    }
    session.buffer.push(msg);
    // While stopping, prefetched messages just wait for the channel close that returns them.
    if (!this.#stopping) this.#pump(lane, session);
  }

  /**
   * Starts what may start: buffered messages in order, each unless its key is busy (then it
   * waits behind its key) or `concurrency` handlers already run (then it and everything
   * after it wait, so the buffer keeps delivery order).
   */
  #pump(lane: Lane, session: Session): void {
    const max = this.#options.concurrency ?? 1;
    while (session.buffer.length > 0 && !session.closed && !this.#stopping) {
      const msg = session.buffer[0]!;
      const key = this.#options.keyOf?.(msg) ?? '';
      const waiting = session.busy.get(key);
      if (waiting !== undefined) {
        session.buffer.shift();
        waiting.push(msg);
        continue;
      }
      if (session.running.size >= max) return;
      session.buffer.shift();
      session.busy.set(key, []);
      this.#run(lane, session, key, msg);
    }
  }

  /** Handles `msg`, then the messages that waited behind its key, one after the other. */
  #run(lane: Lane, session: Session, key: string, first: ConsumeMessage): void {
    const task = (async () => {
      let msg: ConsumeMessage | undefined = first;
      while (msg !== undefined && !session.closed && !this.#stopping) {
        const disposition = await this.#handle(lane, session, msg);
        if (session.closed) return; // cannot ack on a closed channel; RabbitMQ redelivers
        if (disposition === 'requeue') {
          // Unacked on a closing channel = back to the head, in queue order, with every
          // message not yet acked (the ones behind it, and other keys' in flight).
          session.requeued = true;
          await session.channel.close().catch(() => undefined);
          return;
        }
        try {
          session.channel.ack(msg);
          session.acks += 1;
        } catch (err) {
          this.#log.debug({ err: errorSummary(err) }, 'could not ack; the message will be redelivered');
        }
        msg = session.busy.get(key)?.shift();
        // The key's next message waits until RabbitMQ has processed this ack: an ack still in
        // our buffers, or discarded with the socket when the process dies (a kill -9 closes it
        // with unread data: a reset), would bring this message back *after* the next one's
        // effect (the order proof saw a patient's history go 1,2,1,3).
        if (msg !== undefined) await this.#acksSettled(lane, session);
      }
    })().finally(() => {
      session.running.delete(task);
      // Nothing can be left behind the key here (the loop drained it in the same microtask
      // run); should that ever change, the messages go back to the buffer, not astray.
      const left = session.busy.get(key) ?? [];
      session.busy.delete(key);
      if (left.length > 0 && !session.closed) session.buffer.unshift(...left);
      this.#pump(lane, session);
    });
    session.running.add(task);
  }

  /**
   * Resolves once RabbitMQ has processed every ack sent on the session's channel so far: a
   * synchronous method on the same channel (a passive queue.declare) is answered only after
   * the frames before it. One round trip covers every ack sent before it, so keys that wait
   * at the same time share it.
   */
  #acksSettled(lane: Lane, session: Session): Promise<void> {
    const barrier = session.barrier;
    if (barrier !== undefined && barrier.covers >= session.acks) return barrier.done;
    const done = session.channel.checkQueue(lane.queue).then(
      () => undefined,
      // the channel closed: the loop stops and the broker redelivers what was not acked
      () => undefined,
    );
    session.barrier = { covers: session.acks, done };
    return done;
  }

  async #handle(lane: Lane, session: Session, message: ConsumeMessage): Promise<Disposition> {
    try {
      return await this.#options.handler({ message, queue: lane.queue, signal: session.abort.signal });
    } catch (err) {
      this.#log.error({ queue: lane.queue, err: errorSummary(err) }, 'message handler threw; requeueing');
      return 'requeue';
    }
  }

  #onClose(lane: Lane, session: Session): void {
    session.closed = true;
    session.abort.abort();
    session.buffer.length = 0;
    session.busy.clear();
    if (lane.session === session) lane.session = undefined;
    if (this.#stopping) return;
    if (session.requeued) {
      this.#reopenLater(lane, this.#options.requeueDelayMs ?? 1000);
    } else {
      // A channel-level close (consumer_timeout, queue deleted) or the connection went: in
      // the second case the reconnect hook gets there too, whichever is first wins.
      this.#log.info({ queue: lane.queue }, 'consumer channel closed');
      this.#reopenLater(lane, Math.min(RESUBSCRIBE_MAX_DELAY_MS, 250 * 2 ** Math.min(lane.failures, 10)));
      lane.failures += 1;
    }
  }

  #reopenLater(lane: Lane, delay: number): void {
    clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      if (this.#stopping || (lane.session && !lane.session.closed)) return;
      if (!this.#broker.isConnected) {
        this.#reopenLater(lane, Math.min(2000, delay * 2 || 100));
        return;
      }
      this.#open(lane, this.#broker).catch((err: unknown) => {
        this.#log.warn({ queue: lane.queue, err: errorSummary(err) }, 'resubscribe failed');
      });
    }, delay);
  }
}
