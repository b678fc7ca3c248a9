/**
 * `medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL]`: runs every enabled
 * channel until SIGINT/SIGTERM, then shuts down gracefully (stop accepting, finish in-flight
 * messages, close the broker connections).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, loadChannels } from '../../config/index.js';
import { Engine } from '../../engine.js';
import { createLogger } from '../../log.js';

const HELP = `usage: medibus start [--channels DIR] [--mappings DIR] [--amqp-url URL]

  --channels DIR   channel files (default ./channels)
  --mappings DIR   mapping files (default ./mappings)
  --amqp-url URL   RabbitMQ (default $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --queue-type T   quorum (default) or classic`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      channels: { type: 'string', default: 'channels' },
      mappings: { type: 'string', default: 'mappings' },
      'amqp-url': { type: 'string' },
      'queue-type': { type: 'string', default: process.env.MEDIBUS_QUEUE_TYPE ?? 'quorum' },
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
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  if (channels.length === 0) {
    process.stderr.write(`medibus start: no channel files in ${values.channels}\n`);
    return 1;
  }
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
      engine.stop().then(done, (error: unknown) => {
        log.error({ event: 'stop-failed', err: error }, 'shutdown failed');
        done();
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}
