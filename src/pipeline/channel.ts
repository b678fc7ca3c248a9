/**
 * One running channel: its broker topology, its source, and its workers.
 */
import type { Broker } from '../broker/connection.js';
import type { Publisher } from '../broker/publisher.js';
import { declareTopology } from '../broker/declare.js';
import { destinationTopology, type ChannelTopology } from '../broker/topology.js';
import type { DestinationConfig, LoadedChannel } from '../config/types.js';
import { findDestinationSpec } from '../destinations/registry.js';
import { MedibusError } from '../errors.js';
import type { Hl7Message } from '../hl7/index.js';
import { createDebugLog, type Logger } from '../log.js';
import { findSourceSpec } from '../sources/registry.js';
import type { Source, SourceContext, SourceSpec } from '../sources/types.js';
import type { StatusBus } from '../status/events.js';
import { DeliveryWorker } from './delivery.js';
import type { MessageFilter } from './filter.js';
import { hl7v2Kind } from '../kinds/hl7v2/index.js';
import { createHl7Intake } from './intake.js';
import { createKindFailer, createKindIntake } from './intake-kind.js';
import { TransformWorker } from './transform.js';
import { sourceCharset } from './transform-plan.js';
import type { MessageMapping, TransformPlan } from './transform-step.js';
import type { Worker } from './types.js';
import type { ContentCapture } from '../store/capture.js';

export interface ChannelRuntimeOptions {
  readonly channel: LoadedChannel;
  readonly consumeBroker: Broker;
  /** declared by the engine (a hook on the publish connection) before the publisher opens */
  readonly topology: ChannelTopology;
  /** for the transform's route publishes, retries and dead letters */
  readonly publisher: Publisher;
  /** for intake alone (the publish a sender's ACK waits for) */
  readonly intakePublisher: Publisher;
  readonly status: StatusBus;
  readonly log: Logger;
  /** the channel's filter, mapping and transform settings (transform-plan.ts planChannels) */
  readonly plan: TransformPlan;
  /** the source connectors to find `source.type` in; the registry's when absent (tests add their own) */
  readonly sources?: readonly SourceSpec<never>[];
  /** the message store's content hook, when a store is configured */
  readonly capture?: ContentCapture;
  /** `sources`: no workers here; `workers`: no source here (engine.ts EngineRole); `all` by default */
  readonly role?: 'all' | 'sources' | 'workers';
}

/** Declares the channel's topology now and after every reconnect (a hook on the connection). */
export function declareOnConnect(broker: Broker, topology: ChannelTopology): void {
  broker.onConnect(`topology ${topology.channelId}`, () => declareTopology(broker, topology));
}

export type ChannelState = 'running' | 'paused' | 'stopped';

export class ChannelRuntime {
  readonly id: string;
  readonly topology: ChannelTopology;
  readonly #options: ChannelRuntimeOptions;
  readonly #log: Logger;
  /** absent in a workers-only process */
  readonly #source: Source | undefined;
  readonly #workers: Worker[] = [];
  /** why the source did not start, for an optional channel that runs without it */
  #down: string | undefined;
  /** set by an operator (ops API): paused = the source refuses, the workers drain; stopped = both off */
  #state: ChannelState = 'running';

  private constructor(options: ChannelRuntimeOptions, source: Source | undefined, log: Logger) {
    this.#options = options;
    this.id = options.channel.config.id;
    this.topology = options.topology;
    this.#source = source;
    this.#log = log;
  }

  static create(options: ChannelRuntimeOptions): ChannelRuntime {
    const config = options.channel.config;
    const log = options.log.child({ channel: config.id });
    const spec = options.sources ? options.sources.find((s) => s.type === config.source.type) : findSourceSpec(config.source.type);
    if (!spec) {
      throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `channel ${config.id}: unknown source type "${config.source.type}"`);
    }
    const debugLog = createDebugLog(log, config.log.debug);
    const source = options.role === 'workers' ? undefined : ChannelRuntime.#createSource(options, spec, log, debugLog);
    const runtime = new ChannelRuntime(options, source, log);
    runtime.#addWorkers();
    return runtime;
  }

  /** The transform (also for unmapped channels: it routes the v2 message) and one delivery worker per destination. */
  #addWorkers(): void {
    const options = this.#options;
    const config = options.channel.config;
    if (options.role === 'sources') return;
    if (config.destinations.length === 0) {
      // Nothing would receive the output: keep every message durable in ingress rather than
      // consume it into the void. Adding a destination later lets them flow.
      this.#log.warn({ event: 'no-destinations' }, 'channel has no destinations: received messages stay in its ingress queues');
      return;
    }
    this.#workers.push(
      new TransformWorker({
        topology: this.topology,
        consumeBroker: options.consumeBroker,
        publisher: options.publisher,
        status: options.status,
        log: this.#log,
        plan: options.plan,
        ...(options.capture ? { capture: options.capture } : {}),
      }),
    );
    for (const destination of config.destinations) {
      const topology = destinationTopology(this.topology, destination.name);
      this.#workers.push(
        new DeliveryWorker({
          channelId: config.id,
          config: destination,
          topology,
          destination: this.#createDestination(destination),
          consumeBroker: options.consumeBroker,
          publisher: options.publisher,
          status: options.status,
          log: this.#log,
        }),
      );
    }
  }

  #createDestination(destination: DestinationConfig) {
    const spec = findDestinationSpec(destination.type);
    if (!spec) throw new MedibusError('MEDIBUS_ERR_CONFIG_REFERENCE', `channel ${this.id}: unknown destination type "${destination.type}"`);
    // The connector gets its own keys; name, type, ordering and retry are the worker's.
    const { name, type: _type, ordering: _ordering, retry: _retry, ...own } = destination;
    return spec.create(own as never, { channelId: this.id, name, log: this.#log.child({ destination: name }) });
  }

  static #createSource(
    options: ChannelRuntimeOptions,
    spec: SourceSpec<never>,
    log: Logger,
    debugLog: Logger | undefined,
  ): Source {
    const config = options.channel.config;
    const ackTimeout = (config.source as unknown as { ackTimeout?: number }).ackTimeout ?? 5000;
    const intake = createHl7Intake({
        channelId: config.id,
        topology: options.topology,
        publisher: options.intakePublisher,
        status: options.status,
        log,
        ...(debugLog ? { debugLog } : {}),
        // a channel of another kind answers HL7 handed to it with AR (its key is not an HL7 path)
        orderingKey: spec.kind === 'hl7v2' ? config.ordering.key : hl7v2Kind.defaultKey,
        charset: sourceCharset(config),
        ackTimeout,
        ...(spec.kind !== 'hl7v2'
          ? { check: async () => new MedibusError('MEDIBUS_ERR_KIND_MISMATCH', `channel ${config.id} takes ${spec.kind} payloads, not HL7 v2`) }
          : options.plan.mapping?.input === 'hl7v2'
            ? { check: requiredSegmentsCheck(options.plan.mapping, options.plan.filter) }
            : {}),
      });
    const context: SourceContext = {
      channelId: config.id,
      log,
      ...(debugLog ? { debugLog } : {}),
      ingestHl7: intake.ingestHl7,
      rejectHl7: intake.rejectHl7,
      ingest: createKindIntake({
        channelId: config.id,
        kind: spec.kind,
        topology: options.topology,
        publisher: options.intakePublisher,
        status: options.status,
        log,
        ...(debugLog ? { debugLog } : {}),
        orderingKey: config.ordering.key,
        confirmTimeout: ackTimeout,
      }),
      fail: createKindFailer({ channelId: config.id, kind: spec.kind, topology: options.topology, publisher: options.intakePublisher, status: options.status, log, confirmTimeout: ackTimeout }),
    };
    // The source's own keys; `type` selected the spec and is not part of its config.
    const { type: _type, ...own } = config.source;
    return spec.create(own as never, context);
  }

  async start(): Promise<void> {
    for (const worker of this.#workers) worker.start();
    await this.#source?.start();
    this.#state = 'running';
  }

  get config(): LoadedChannel['config'] {
    return this.#options.channel.config;
  }

  get state(): ChannelState {
    return this.#state;
  }

  /**
   * Operator actions (the ops API): `pause` closes the listener (senders get a refused
   * connection and keep their messages) while the workers drain what is queued; `stop`
   * also stops the workers (queued messages wait, durable, in the broker); `resume` from
   * either state brings both back. A consumer cannot be restarted once stopped, so
   * resuming after a stop builds the workers anew.
   */
  async pause(): Promise<void> {
    if (this.#state !== 'running') return;
    await this.#source?.stop();
    this.#state = 'paused';
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    if (this.#state === 'running') await this.#source?.stop();
    await this.stopWorkers();
    this.#state = 'stopped';
  }

  async resume(): Promise<void> {
    if (this.#state === 'running') return;
    if (this.#state === 'stopped') {
      this.#workers.length = 0;
      this.#addWorkers();
      for (const worker of this.#workers) worker.start();
    }
    await this.#source?.start();
    this.#state = 'running';
  }

  async stopSources(): Promise<void> {
    await this.#source?.stop();
  }

  async stopWorkers(): Promise<void> {
    await Promise.allSettled(this.#workers.map((w) => w.stop()));
  }

  /** where the source listens, e.g. for tests on port 0 */
  address(): { host: string; port: number } | undefined {
    return this.#source?.address();
  }

  /** An optional channel whose source could not start: its workers still drain its queues. */
  markDown(reason: string): void {
    this.#down = reason;
  }

  get down(): string | undefined {
    return this.#down;
  }

  describe(): Record<string, unknown> {
    const address = this.#source?.address();
    return {
      id: this.id,
      source: this.#options.channel.config.source.type,
      ...(address ? { listen: `${address.host}:${address.port}` } : {}),
      ...(this.#down === undefined ? {} : { down: this.#down }),
    };
  }
}

/**
 * The mapping's `requires:` at intake: a message the transform would convert but that lacks a
 * required segment is refused before the ACK. One the filter drops is not the mapping's, and
 * a filter that cannot be evaluated is left to the transform, which records why.
 */
function requiredSegmentsCheck(mapping: MessageMapping, filter: MessageFilter): (msg: Hl7Message, type: string) => Promise<MedibusError | undefined> {
  return async (msg, type) => {
    const missing = mapping.missingSegments?.(msg);
    if (missing === undefined) return undefined;
    try {
      return (await filter.check({ kind: 'hl7v2', message: msg }, type)) === undefined ? missing : undefined;
    } catch {
      return undefined;
    }
  };
}
