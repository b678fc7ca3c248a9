/**
 * The engine: runs the channels of a directory against one RabbitMQ.
 *
 * Two broker connections per process, as RabbitMQ advises: one publishes (intake, transform
 * output, retries) and one consumes, so a resource alarm that blocks publishing never stops
 * the acks that would drain the queues. Every channel's topology is declared by a hook that
 * runs on every (re)connect, before the publisher opens, so a reconnect after a broker
 * restart heals by itself.
 */
import { Broker, type BrokerOptions } from './broker/connection.js';
import { Publisher } from './broker/publisher.js';
import { topologyFor, type QueueType } from './broker/topology.js';
import type { LoadedChannel } from './config/types.js';
import type { Logger } from './log.js';
import { formatDiagnostic } from './config/diagnostics.js';
import { errorMessage, MedibusError } from './errors.js';
import { ChannelRuntime, declareOnConnect } from './pipeline/channel.js';
import { planChannels } from './pipeline/transform-plan.js';
import type { TransformPlan } from './pipeline/transform-step.js';
import { sourceSpecs } from './sources/registry.js';
import type { SourceSpec } from './sources/types.js';
import { StatusBus } from './status/events.js';
import { contentCapture } from './store/capture.js';
import { channelStoreSettings, type StoreRuntime } from './store/open.js';
import { BrokerOutage } from './broker/outage.js';
import { channelStartError } from './start-failure.js';
import type { ContentRecord } from './store/types.js';

/**
 * What one process runs (docs/scaling.md "Workers in a process of their own"): `all` the
 * sources, intake and workers; `sources` only the sources and intake (the process with the
 * listeners, the ops API and the store writer); `workers` only the transform and delivery
 * workers. The two halves meet only through RabbitMQ's durable ingress queues, so they can
 * run in different processes or on different machines.
 */
export type EngineRole = 'all' | 'sources' | 'workers';

export interface EngineOptions {
  readonly channels: readonly LoadedChannel[];
  readonly amqpUrl: string;
  readonly log: Logger;
  readonly queueType?: QueueType;
  /** directory of mappings/*.yaml, for channels with a transform */
  readonly mappingsDir?: string;
  readonly status?: StatusBus;
  /** how long start() waits for the broker before starting the sources anyway (ms) */
  readonly brokerWaitMs?: number;
  /** heartbeat and reconnect tuning (tests reconnect faster than production), and TLS for amqps:// */
  readonly broker?: Pick<BrokerOptions, 'heartbeatSeconds' | 'connectTimeoutMs' | 'reconnect' | 'tls'>;
  /** how often, at most, a broker outage is logged while it lasts (ms; default 30 s) */
  readonly outageLogIntervalMs?: number;
  /** source connectors besides the registry's (tests hand payloads in through their SourceContext) */
  readonly sources?: readonly SourceSpec<never>[];
  /**
   * The message store (store/open.ts startStoreRuntime): every status event and the content
   * of each transformed message go to its writer, off the message path. The engine closes it
   * on stop, after the workers, so the last events are written.
   */
  readonly store?: StoreRuntime;
  /** what this process runs; `all` by default */
  readonly role?: EngineRole;
  /**
   * Where the transform's content records go when this process has no store of its own: a
   * workers child hands them to its parent (cli/workers-process.ts), which writes them.
   */
  readonly contentSink?: (record: ContentRecord) => void;
  /**
   * Workers running in another process for this one (cli/workers-process.ts): stopped after
   * the sources and before the store closes, so their last events are still written.
   */
  readonly remoteWorkers?: { stop(): Promise<void> };
}

export class Engine {
  readonly status: StatusBus;
  readonly #options: EngineOptions;
  readonly #log: Logger;
  readonly #publishBroker: Broker;
  readonly #consumeBroker: Broker;
  #publisher: Publisher | undefined;
  #intakePublisher: Publisher | undefined;
  #channels: ChannelRuntime[] = [];
  #stopping: Promise<void> | undefined;
  #outage: BrokerOutage | undefined;
  #unlistenStore: (() => void) | undefined;
  readonly role: EngineRole;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#log = options.log;
    this.status = options.status ?? new StatusBus();
    this.role = options.role ?? 'all';
    this.#publishBroker = new Broker({ ...options.broker, url: options.amqpUrl, name: 'medibus publish', logger: options.log });
    this.#consumeBroker = new Broker({ ...options.broker, url: options.amqpUrl, name: 'medibus consume', logger: options.log });
  }

  /**
   * Declares topology, starts the sources and workers. Resolves once every source listens;
   * the broker may still be connecting (sources answer AE until it is there). A channel
   * that cannot start (its port is taken) fails the whole start, after everything already
   * started is stopped again, unless it says `optional: true`: then it is logged and
   * reported as down, and the others run.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** the registry's source connectors and the extra ones, when there are extra ones */
  get #sources(): readonly SourceSpec<never>[] | undefined {
    return this.#options.sources === undefined ? undefined : [...sourceSpecs, ...this.#options.sources];
  }

  async #start(): Promise<void> {
    const enabled = this.#options.channels.filter((c) => c.config.enabled);
    const plans = await this.#plan(enabled);
    const queueType = this.#options.queueType ?? 'quorum';
    // Topology hooks first, so that after every (re)connect the exchanges exist before the
    // publisher's confirm channel opens and intake can publish.
    const topologies = enabled.map((c) => topologyFor(c.config, queueType));
    for (const topology of topologies) declareOnConnect(this.#publishBroker, topology);
    // Intake has a confirm channel of its own: a sender waiting for its ACK must not queue
    // behind the transform's larger route publishes on a shared channel.
    const store = this.#options.store;
    if (store) {
      const writer = store.writer;
      this.#unlistenStore ??= this.status.on((event) => writer.event(event));
    }
    const modes = new Map(enabled.map((c) => [c.config.id, channelStoreSettings(c.config.store).content]));
    const sink = store ? store.writer : this.#options.contentSink ? { content: this.#options.contentSink } : undefined;
    const capture = sink ? contentCapture(sink, (id) => modes.get(id) ?? 'full') : undefined;
    // a process without sources publishes no intake; one without workers still publishes
    // (nothing today), the pipeline publisher is cheap and keeps the channel code uniform
    if (this.role !== 'workers') this.#intakePublisher = new Publisher(this.#publishBroker, { name: 'intake', logger: this.#log });
    this.#publisher = new Publisher(this.#publishBroker, { name: 'pipeline', logger: this.#log });
    this.#channels = enabled.map((channel, i) =>
      ChannelRuntime.create({
        channel,
        topology: topologies[i]!,
        consumeBroker: this.#consumeBroker,
        publisher: this.#publisher!,
        intakePublisher: this.#intakePublisher ?? this.#publisher!,
        role: this.role,
        status: this.status,
        log: this.#log,
        plan: plans.get(channel.config.id)!,
        ...(this.#sources ? { sources: this.#sources } : {}),
        ...(capture ? { capture } : {}),
      }),
    );
    this.#outage = new BrokerOutage({ broker: this.#publishBroker, status: this.status, log: this.#log, intervalMs: this.#options.outageLogIntervalMs });
    this.#publishBroker.start();
    this.#consumeBroker.start();
    let brokerUp = true;
    try {
      await this.#publishBroker.waitUntilConnected(this.#options.brokerWaitMs ?? 5000);
    } catch {
      brokerUp = false;
    }
    for (const [i, runtime] of this.#channels.entries()) {
      try {
        await runtime.start();
      } catch (error) {
        const failure = await channelStartError(enabled[i]!, error);
        if (enabled[i]!.config.optional !== true) throw failure;
        runtime.markDown(failure.message);
        this.#log.error({ event: 'channel-down', channel: runtime.id, code: failure.code, reason: failure.message }, `${failure.message}; the channel is optional, the others run`);
      }
    }
    const channels = this.#channels.map((c) => c.describe());
    if (this.role === 'workers') {
      // its own event: tests and scripts wait for `started`, the line of the process that listens
      this.#log.info({ event: 'workers-started', role: this.role, pid: process.pid, broker: brokerUp, channels: channels.map((c) => c['id']) }, `medibus workers started (pid ${process.pid})`);
    } else if (brokerUp) this.#log.info({ event: 'started', role: this.role, pid: process.pid, channels }, 'medibus started');
    else {
      this.#log.warn(
        { event: 'started-without-broker', channels, broker: this.#publishBroker.lastError },
        `medibus started WITHOUT RabbitMQ (${this.#publishBroker.lastError ?? 'not reachable'}): every message is answered AE until it connects`,
      );
    }
  }

  /** Compiles the mappings the channels name (transform-plan.ts); any error stops the start with every diagnostic. */
  async #plan(channels: readonly LoadedChannel[]): Promise<ReadonlyMap<string, TransformPlan>> {
    const { plans, diagnostics } = await planChannels(channels, { mappingsDir: this.#options.mappingsDir ?? 'mappings', ...(this.#sources ? { sources: this.#sources } : {}) });
    const problems = diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
    if (problems.length > 0) throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `cannot start:\n${problems.join('\n')}`);
    return plans;
  }

  /** Stops accepting, lets in-flight messages finish, closes the broker connections. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#log.info({ event: 'stopping' }, 'medibus stopping');
    // Sources first: nothing new arrives while the rest drains.
    await Promise.allSettled(this.#channels.map((c) => c.stopSources()));
    await Promise.allSettled(this.#channels.map((c) => c.stopWorkers()));
    await this.#options.remoteWorkers?.stop().catch((error: unknown) => this.#log.warn({ event: 'workers-stop-failed', error: errorMessage(error) }, 'the workers process did not stop cleanly'));
    await Promise.all([this.#intakePublisher?.close(), this.#publisher?.close()]);
    this.#outage?.close();
    await Promise.allSettled([this.#publishBroker.close(), this.#consumeBroker.close()]);
    this.#unlistenStore?.();
    await this.#options.store?.close().catch((error: unknown) => this.#log.warn({ event: 'store-close-failed', error: errorMessage(error) }, 'message store did not close cleanly'));
    this.#log.info({ event: 'stopped', counters: this.status.counters() }, 'medibus stopped');
  }

  /** the running channel, for tests and the dashboard */
  channel(id: string): ChannelRuntime | undefined {
    return this.#channels.find((c) => c.id === id);
  }

  /** the message store, when configured (the management API reads it) */
  get store(): StoreRuntime | undefined {
    return this.#options.store;
  }

  get channels(): readonly ChannelRuntime[] {
    return this.#channels;
  }

}
