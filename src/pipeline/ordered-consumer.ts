import type { Broker } from '../broker/connection.js';
import { Consumer, type MessageHandler } from '../broker/consumer.js';
import type { Logger } from '../log.js';
import { orderingKey } from './envelope.js';

/**
 * The consumer every pipeline stage uses on its partition queues: one patient's messages
 * one at a time and in order, other patients' beside them (docs/architecture.md).
 */
export function patientOrderedConsumer(
  broker: Broker,
  options: { name: string; queues: readonly string[]; prefetch: number; concurrency: number; log: Logger; handler: MessageHandler },
): Consumer {
  return new Consumer(broker, {
    name: options.name,
    queues: options.queues,
    prefetch: options.prefetch,
    logger: options.log,
    handler: options.handler,
    keyOf: orderingKey,
    concurrency: options.concurrency,
  });
}
