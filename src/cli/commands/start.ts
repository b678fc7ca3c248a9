/**
 * `medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL] [--local-fhir]`: runs every enabled
 * channel until SIGINT/SIGTERM, then shuts down gracefully (stop accepting, finish in-flight
 * messages, close the broker connections). A channel that cannot start stops the start with
 * one line on stderr and exit code 1, leaving nothing running.
 */
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { resolve } from 'node:path';
import { formatDiagnostic, loadChannels } from '../../config/index.js';
import type { LoadedChannel } from '../../config/types.js';
import { Engine, type EngineOptions } from '../../engine.js';
import { errorCodeOf, errorMessage } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import { startLocalFhirServers, type LocalFhirServer } from '../local-fhir.js';
import { loadSealer } from '../../util/at-rest.js';
import { channelStoreSettings, startStore, storeSettingsFromEnv, type StoreRuntime } from '../../store/open.js';
import { startDashboard, type RunningDashboard } from '../dashboard.js';
import { availableParallelism } from 'node:os';
import { StatusBus } from '../../status/events.js';
import type { OpsChannel } from '../../ops/index.js';
import type { ChannelRuntime } from '../../pipeline/channel.js';
import { WorkersChildLink, WorkersProcess } from '../workers-process.js';
import type { EngineRole } from '../../engine.js';
import { AMQP_TLS_HELP, AMQP_URL_HELP, BROKER_OPTIONS, brokerArgs, QUEUE_TYPE_HELP, type BrokerArgs } from '../broker-options.js';

const USAGE = `usage: medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL] [--local-fhir]
                    [--workers-process | --no-workers-process] [--role all|sources|workers]

  --channels DIR   channel files (default ./channels)
  --mappings DIR   mapping files (default ./mappings)
${AMQP_URL_HELP}
${AMQP_TLS_HELP}
${QUEUE_TYPE_HELP}
  --local-fhir     also run two in-memory FHIR servers standing in for the EMR
                   (http://127.0.0.1:8081/fhir) and the central repository (:8082), unless
                   EMR_FHIR_URL / CENTRAL_FHIR_URL point elsewhere
  --workers-process     run the transform and delivery workers in a child process, so the
                        listeners keep their latency while the pipeline works (default on a
                        machine with 2 or more cores; docs/scaling.md); a child that dies is
                        started again
  --no-workers-process  run everything in this one process
  --role ROLE      all (default); sources: only the sources and intake (with the dashboard
                   and store); workers: only the transform and delivery workers, e.g. on
                   another machine against the same RabbitMQ

  message store (docs/store.md):
  MEDIBUS_STORE_URL   unset: SQLite in MEDIBUS_DATA_DIR; postgres://user@host:5432/db; sqlite:PATH; off
  MEDIBUS_DATA_DIR    default ./data (SQLite file, spill files, identifier hash key)

  dashboard and operators API (README "Dashboard"):
  MEDIBUS_DASHBOARD_PORT  default 8080; off: not started
  MEDIBUS_DASHBOARD_HOST  default 127.0.0.1 (only this machine)
`;

/** `err` gets the channel diagnostics; the engine logs through its logger */
export type StartDeps = CliDeps;

interface StartArgs extends BrokerArgs {
  readonly channels: string;
  readonly mappings: string;
  readonly localFhir: boolean;
  readonly role: EngineRole;
  /** undefined: decided by the core count */
  readonly workersProcess: boolean | undefined;
}

const ROLES: readonly EngineRole[] = ['all', 'sources', 'workers'];

export async function run(argv: string[], deps: StartDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'start', args, USAGE);
  }
  const log = createLogger();
  const { channels, diagnostics } = await loadChannels(resolve(args.channels));
  for (const d of diagnostics) err(`${formatDiagnostic(d)}\n`);
  if (diagnostics.some((d) => d.severity === 'error') || channels.length === 0) {
    if (channels.length === 0 && diagnostics.length === 0) err(`medibus start: no channel files in ${args.channels}\n`);
    return 1;
  }
  if (args.role === 'workers' && WorkersChildLink.wanted) return runWorkersChild(args, channels, log, err);
  const split = args.role === 'all' && (args.workersProcess ?? (process.env["MEDIBUS_WORKERS_PROCESS"] === "1" && availableParallelism() >= 2));
  // only once the channels are known good: the servers take a moment to load the R4 definitions
  let localFhir: LocalFhirServer[] = [];
  let engine: Engine | undefined;
  let store: StoreRuntime | undefined;
  let dashboard: RunningDashboard | undefined;
  let workers: WorkersProcess | undefined;
  try {
    if (args.localFhir && args.role !== 'workers') localFhir = await startLocalFhirServers(log);
    const storeChannels = new Map(channels.filter((c) => c.config.enabled).map((c) => [c.config.id, channelStoreSettings(c.config.store)]));
    // payload and Bundle sealed at rest when MEDIBUS_AT_REST_KEY(_FILE) is set (docs/store.md)
    store = await startStore(storeSettingsFromEnv(process.env), storeChannels, log, loadSealer(process.env));
    const status = new StatusBus();
    const writer = store?.writer;
    if (split) workers = new WorkersProcess({ args: workersChildArgs(argv), status, ...(writer ? { content: (record) => writer.content(record) } : {}), log });
    engine = new Engine({
      ...engineOptions(args, channels, log),
      status,
      role: split ? 'sources' : args.role,
      ...(store ? { store } : {}),
      ...(workers ? { remoteWorkers: workers } : {}),
    });
    // on failure the engine has stopped what it started (the workers child too); the FHIR servers are ours to stop
    const started = await Promise.allSettled([engine.start(), workers?.start()]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await engine.stop();
      throw failed.reason;
    }
    if (args.role !== 'workers') {
      try {
        const running = engine;
        const channelsForOps = workers ? opsChannels(() => running.channels, workers) : undefined;
        dashboard = await startDashboard({ engine, amqpUrl: args.amqpUrl, log, env: process.env, ...(channelsForOps ? { channels: channelsForOps } : {}) });
      } catch (error) {
        await engine.stop();
        throw error;
      }
    }
  } catch (error) {
    // a store opened before the engine failed to construct is ours; otherwise engine.stop closed it
    if (!engine) await store?.close().catch(() => undefined);
    await Promise.allSettled(localFhir.map((server) => server.stop()));
    log.error({ event: 'start-failed', code: errorCodeOf(error), reason: errorMessage(error) }, 'medibus did not start');
    log.flush();
    err(`medibus start: ${errorMessage(error)}\n`);
    return 1;
  }
  const running = engine;
  await new Promise<void>((done) => {
    const shutdown = (signal: string): void => {
      log.info({ event: 'signal', signal }, 'shutting down');
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      Promise.resolve(dashboard?.stop())
        .then(() => running.stop())
        .then(() => Promise.all(localFhir.map((server) => server.stop())))
        .then(
          () => done(),
          (error: unknown) => {
            log.error({ event: 'stop-failed', err: error }, 'shutdown failed');
            done();
          },
        );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}

function readArgs(argv: string[]): StartArgs | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: false,
    options: {
      channels: { type: 'string', default: 'channels' },
      mappings: { type: 'string', default: 'mappings' },
      ...BROKER_OPTIONS,
      'local-fhir': { type: 'boolean', default: false },
      'workers-process': { type: 'boolean' },
      'no-workers-process': { type: 'boolean' },
      role: { type: 'string', default: 'all' },
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values } = parsed;
  const broker = brokerArgs(values);
  if (typeof broker === 'string') return broker;
  const role = ROLES.find((r) => r === values.role);
  if (role === undefined) return `--role must be one of ${ROLES.join(', ')}, got "${values.role}"`;
  if (values['workers-process'] && values['no-workers-process']) return '--workers-process and --no-workers-process exclude each other';
  if (role !== 'all' && values['workers-process']) return `--workers-process splits --role all; with --role ${role} start the other half yourself`;
  const workersProcess = values['workers-process'] ? true : values['no-workers-process'] ? false : undefined;
  return { ...broker, channels: values.channels, mappings: values.mappings, localFhir: values['local-fhir'], role, workersProcess };
}

function engineOptions(args: StartArgs, channels: LoadedChannel[], log: Logger): EngineOptions {
  return {
    channels,
    amqpUrl: args.amqpUrl,
    log,
    ...(args.tls === undefined ? {} : { broker: { tls: args.tls } }),
    queueType: args.queueType,
    mappingsDir: resolve(args.mappings),
    outageLogIntervalMs: outageInterval(process.env),
  };
}

/** this command's arguments for the workers child: the same channels and broker, role workers */
function workersChildArgs(argv: readonly string[]): string[] {
  const own = new Set(['--local-fhir', '--workers-process', '--no-workers-process']);
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (own.has(arg) || arg.startsWith('--role=')) continue;
    if (arg === '--role') {
      i += 1;
      continue;
    }
    kept.push(arg);
  }
  return ['start', ...kept, '--role', 'workers'];
}

/**
 * The channels as the ops API sees them when the workers run in the child: stopping a
 * channel also stops its workers there, resuming starts them again.
 */
function opsChannels(runtimes: () => readonly ChannelRuntime[], workers: WorkersProcess): () => OpsChannel[] {
  const adapters = new WeakMap<ChannelRuntime, OpsChannel>();
  const adapt = (c: ChannelRuntime): OpsChannel => ({
    id: c.id,
    config: c.config,
    topology: c.topology,
    get state() {
      return c.state;
    },
    get down() {
      return c.down;
    },
    address: () => c.address(),
    pause: () => c.pause(),
    stop: async () => {
      await c.stop();
      workers.channel(c.id, 'stop');
    },
    resume: async () => {
      await c.resume();
      workers.channel(c.id, 'resume');
    },
  });
  return () =>
    runtimes().map((c) => {
      let adapter = adapters.get(c);
      if (!adapter) adapters.set(c, (adapter = adapt(c)));
      return adapter;
    });
}

/**
 * `medibus start --role workers` as the child of a `medibus start` (workers-process.ts): no
 * store, dashboard or FHIR servers of its own; its events and content records go to the
 * parent; it stops on SIGTERM or when the parent goes.
 */
async function runWorkersChild(args: StartArgs, channels: LoadedChannel[], parentLog: Logger, err: (text: string) => void): Promise<number> {
  const log = parentLog.child({ role: 'workers', pid: process.pid });
  const status = new StatusBus();
  const link = new WorkersChildLink(status);
  const engine = new Engine({ ...engineOptions(args, channels, log), status, role: 'workers', contentSink: link.content });
  try {
    await engine.start();
  } catch (error) {
    log.error({ event: 'start-failed', code: errorCodeOf(error), reason: errorMessage(error) }, 'medibus workers did not start');
    log.flush();
    err(`medibus start --role workers: ${errorMessage(error)}\n`);
    return 1;
  }
  link.ready();
  link.onCommand((command) => {
    const runtime = engine.channel(command.channel);
    const done = command.action === 'stop' ? runtime?.stop() : runtime?.resume();
    void done?.catch((error: unknown) => log.error({ event: 'channel-action-failed', channel: command.channel, action: command.action, reason: errorMessage(error) }, 'channel action failed'));
  });
  await new Promise<void>((done) => {
    const shutdown = (why: string): void => {
      log.info({ event: 'signal', signal: why }, 'workers shutting down');
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      engine
        .stop()
        .catch((error: unknown) => log.error({ event: 'stop-failed', err: error }, 'shutdown failed'))
        .then(() => link.close())
        .then(() => done(), () => done());
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    link.onParentGone(() => shutdown('parent-gone'));
  });
  log.flush();
  return 0;
}

/** MEDIBUS_OUTAGE_LOG_INTERVAL: ms between the warnings of a broker outage (tests shorten it). */
function outageInterval(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env['MEDIBUS_OUTAGE_LOG_INTERVAL']);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
