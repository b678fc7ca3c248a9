/**
 * `medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL] [--local-fhir]`: runs every enabled
 * channel until SIGINT/SIGTERM, then shuts down gracefully (stop accepting, finish in-flight
 * messages, close the broker connections). A channel that cannot start stops the start with
 * one line on stderr and exit code 1, leaving nothing running.
 */
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { resolve } from 'node:path';
import { formatDiagnostic, loadChannels } from '../../config/index.js';
import { Engine } from '../../engine.js';
import { errorCodeOf, errorMessage } from '../../errors.js';
import { createLogger } from '../../log.js';
import { startLocalFhirServers, type LocalFhirServer } from '../local-fhir.js';
import { loadSealer } from '../../util/at-rest.js';
import { channelStoreSettings, startStore, storeSettingsFromEnv, type StoreRuntime } from '../../store/open.js';
import { startDashboard, type RunningDashboard } from '../dashboard.js';
import { AMQP_TLS_HELP, AMQP_URL_HELP, BROKER_OPTIONS, brokerArgs, QUEUE_TYPE_HELP, type BrokerArgs } from '../broker-options.js';

const USAGE = `usage: medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL] [--local-fhir]

  --channels DIR   channel files (default ./channels)
  --mappings DIR   mapping files (default ./mappings)
${AMQP_URL_HELP}
${AMQP_TLS_HELP}
${QUEUE_TYPE_HELP}
  --local-fhir     also run two in-memory FHIR servers standing in for the EMR
                   (http://127.0.0.1:8081/fhir) and the central repository (:8082), unless
                   EMR_FHIR_URL / CENTRAL_FHIR_URL point elsewhere

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
}

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
  // only once the channels are known good: the servers take a moment to load the R4 definitions
  let localFhir: LocalFhirServer[] = [];
  let engine: Engine | undefined;
  let store: StoreRuntime | undefined;
  let dashboard: RunningDashboard | undefined;
  try {
    if (args.localFhir) localFhir = await startLocalFhirServers(log);
    const storeChannels = new Map(channels.filter((c) => c.config.enabled).map((c) => [c.config.id, channelStoreSettings(c.config.store)]));
    // payload and Bundle sealed at rest when MEDIBUS_AT_REST_KEY(_FILE) is set (docs/store.md)
    store = await startStore(storeSettingsFromEnv(process.env), storeChannels, log, loadSealer(process.env));
    engine = new Engine({
      channels,
      amqpUrl: args.amqpUrl,
      log,
      ...(args.tls === undefined ? {} : { broker: { tls: args.tls } }),
      queueType: args.queueType,
      mappingsDir: resolve(args.mappings),
      outageLogIntervalMs: outageInterval(process.env),
      ...(store ? { store } : {}),
    });
    // on failure the engine has stopped what it started; the FHIR servers are ours to stop
    await engine.start();
    try {
      dashboard = await startDashboard({ engine, amqpUrl: args.amqpUrl, log, env: process.env });
    } catch (error) {
      await engine.stop();
      throw error;
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
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values } = parsed;
  const broker = brokerArgs(values);
  if (typeof broker === 'string') return broker;
  return { ...broker, channels: values.channels, mappings: values.mappings, localFhir: values['local-fhir'] };
}

/** MEDIBUS_OUTAGE_LOG_INTERVAL: ms between the warnings of a broker outage (tests shorten it). */
function outageInterval(env: NodeJS.ProcessEnv): number | undefined {
  const value = Number(env['MEDIBUS_OUTAGE_LOG_INTERVAL']);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
