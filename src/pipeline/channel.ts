/**
 * One running channel: its broker topology, its source, and its workers.
 */
import type { Broker } from '../broker/connection.js';
import type { Publisher } from '../broker/publisher.js';
import { retryLevels } from '../broker/retry.js';
import { channelTopology, declareTopology, type ChannelTopology, type QueueType } from '../broker/topology.js';
import type { LoadedChannel } from '../config/types.js';
import { MedibusError } from '../errors.js';
import { createDebugLog, type Logger } from '../log.js';
import { findSourceSpec } from '../sources/registry.js';
import type { Source, SourceContext } from '../sources/types.js';
import type { StatusBus } from '../status/events.js';
import { createHl7Intake } from './intake.js';

export interface ChannelRuntimeOptions {
  readonly channel: LoadedChannel;
  readonly publishBroker: Broker;
  readonly consumeBroker: Broker;
  /** the engine's publisher, created after every channel registered its topology hook */
  readonly publisher: () => Publisher;
  readonly status: StatusBus;
  readonly log: Logger;
  readonly queueType: QueueType;
  readonly mappingsDir: string | undefined;
}

/** A stage that consumes from the broker (transform, delivery); stopped after the sources. */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
}

export class ChannelRuntime {
  readonly id: string;
  readonly topology: ChannelTopology;
  readonly #options: ChannelRuntimeOptions;
  readonly #log: Logger;
  readonly #source: Source;
  readonly #workers: Worker[] = [];

  private constructor(options: ChannelRuntimeOptions, topology: ChannelTopology, source: Source, log: Logger) {
    this.#options = options;
    this.id = options.channel.config.id;
    this.topology = topology;
    this.#source = source;
    this.#log = log;
  }

  static async create(options: ChannelRuntimeOptions): Promise<ChannelRuntime> {
    const config = options.channel.config;
    const log = options.log.child({ channel: config.id });
    const topology = channelTopology({
      channelId: config.id,
      partitions: config.ordering.partitions,
      queueType: options.queueType,
      destinations: config.destinations.map((d) => ({
        name: d.name,
        // ordering: patient retries in process, holding its partition; none uses TTL queues
        retryLevels: d.ordering === 'none' ? retryLevels(d.retry) : [],
      })),
    });
    const declare = async (): Promise<void> => {
      await declareTopology(options.publishBroker, topology);
    };
    options.publishBroker.onConnect(`topology ${config.id}`, declare);

    const spec = findSourceSpec(config.source.type);
    if (!spec) {
      throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `channel ${config.id}: unknown source type "${config.source.type}"`);
    }
    const debugLog = createDebugLog(log, config.log.debug);
    const source = ChannelRuntime.#createSource(options, topology, spec.create.bind(spec), log, debugLog);
    return new ChannelRuntime(options, topology, source, log);
  }

  static #createSource(
    options: ChannelRuntimeOptions,
    topology: ChannelTopology,
    create: (config: never, context: SourceContext) => Source,
    log: Logger,
    debugLog: Logger | undefined,
  ): Source {
    const config = options.channel.config;
    const sourceConfig = config.source as unknown as { charset?: string; ackTimeout?: number };
    // Resolved lazily: the engine creates its publisher after every topology hook is in place.
    let intake: ReturnType<typeof createHl7Intake> | undefined;
    const getIntake = (): ReturnType<typeof createHl7Intake> =>
      (intake ??= createHl7Intake({
        channelId: config.id,
        topology,
        publisher: options.publisher(),
        status: options.status,
        log,
        ...(debugLog ? { debugLog } : {}),
        orderingKey: config.ordering.key,
        charset: sourceConfig.charset ?? 'UTF-8',
        ackTimeout: sourceConfig.ackTimeout ?? 5000,
      }));
    const context: SourceContext = {
      channelId: config.id,
      log,
      ...(debugLog ? { debugLog } : {}),
      ingestHl7: (raw, meta) => getIntake().ingestHl7(raw, meta),
      rejectHl7: (head, error, meta) => getIntake().rejectHl7(head, error, meta),
    };
    // The source's own keys; `type` selected the spec and is not part of its config.
    const { type: _type, ...own } = config.source;
    return create(own as never, context);
  }

  /** adds a stage; the transform and delivery workers register here */
  addWorker(worker: Worker): void {
    this.#workers.push(worker);
  }

  async start(): Promise<void> {
    for (const worker of this.#workers) worker.start();
    await this.#source.start();
  }

  async stopSources(): Promise<void> {
    await this.#source.stop();
  }

  async stopWorkers(): Promise<void> {
    await Promise.allSettled(this.#workers.map((w) => w.stop()));
  }

  /** where the source listens, e.g. for tests on port 0 */
  address(): { host: string; port: number } | undefined {
    return this.#source.address();
  }

  describe(): Record<string, unknown> {
    const address = this.#source.address();
    return { id: this.id, source: this.#options.channel.config.source.type, ...(address ? { listen: `${address.host}:${address.port}` } : {}) };
  }
}
