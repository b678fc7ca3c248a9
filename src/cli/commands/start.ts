/**
 * `medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL]`: runs every enabled
 * channel until SIGINT/SIGTERM, then shuts down gracefully (stop accepting, finish in-flight
 * messages, close the broker connections).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, loadChannels } from '../../config/index.js';
import { Engine } from '../../engine.js';
import { startFhirServer, type RunningFhirServer } from '../../fhir-server/index.js';
import { createLogger, type Logger } from '../../log.js';

const HELP = `usage: medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL] [--local-fhir]

  --channels DIR   channel files (default ./channels)
  --mappings DIR   mapping files (default ./mappings)
  --amqp-url URL   RabbitMQ (default $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --queue-type T   quorum (default) or classic
  --local-fhir     also run two in-memory FHIR servers standing in for the EMR
                   (http://127.0.0.1:8081/fhir) and the central repository (:8082), unless
                   EMR_FHIR_URL / CENTRAL_FHIR_URL point elsewhere`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      channels: { type: 'string', default: 'channels' },
      mappings: { type: 'string', default: 'mappings' },
      'amqp-url': { type: 'string' },
      'queue-type': { type: 'string', default: process.env.MEDIBUS_QUEUE_TYPE ?? 'quorum' },
      'local-fhir': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const queueType = values['queue-type'];
  if (queueType !== 'quorum' && queueType !== 'classic') {
    process.stderr.write(`medibus start: --queue-type must be quorum or classic, got "${queueType}"\n`);
    return 2;
  }
  const log = createLogger();
  const { channels, diagnostics } = await loadChannels(resolve(values.channels));
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (diagnostics.some((d) => d.severity === 'error') || channels.length === 0) {
    if (channels.length === 0 && diagnostics.length === 0) process.stderr.write(`medibus start: no channel files in ${values.channels}\n`);
    return 1;
  }
  // only once the channels are known good: the servers take a moment to load the R4 definitions
  const localFhir = values['local-fhir'] ? await startLocalFhirServers(log) : [];
  const engine = new Engine({
    channels,
    amqpUrl: values['amqp-url'] ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    log,
    queueType,
    mappingsDir: resolve(values.mappings),
  });
  await engine.start();
  await new Promise<void>((done) => {
    const shutdown = (signal: string): void => {
      log.info({ event: 'signal', signal }, 'shutting down');
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      engine
        .stop()
        .then(() => Promise.all(localFhir.map((server) => server.stop())))
        .then(() => done(), (error: unknown) => {
        log.error({ event: 'stop-failed', err: error }, 'shutdown failed');
        done();
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}

/**
 * The two development FHIR servers of `--local-fhir`, on the ports the example channels use
 * by default. One whose URL variable is set is not started: the channel points elsewhere.
 */
async function startLocalFhirServers(log: Logger): Promise<RunningFhirServer[]> {
  const wanted = [
    { name: 'EMR', variable: 'EMR_FHIR_URL', port: 8081 },
    { name: 'central repository', variable: 'CENTRAL_FHIR_URL', port: 8082 },
  ].filter((s) => !process.env[s.variable]);
  const servers: RunningFhirServer[] = [];
  for (const s of wanted) {
    const server = await startFhirServer({ port: s.port, logger: log.child({ component: 'fhir-server', server: s.name }) });
    log.info({ event: 'local-fhir', server: s.name, url: server.url }, `local FHIR server (${s.name}) at ${server.url}`);
    servers.push(server);
  }
  return servers;
}
