/**
 * Conformance driver for the amqp destination: the real broker, reached through a TCP proxy,
 * with an exchange and a queue of the case's own (unique names, deleted after). A message no
 * queue takes is retried (mandatory); one without the Bundle that payload: bundle needs is
 * refused. A retry is published with the same message-id, for the consumer to drop.
 */
import type { GetMessage } from 'amqplib';
import { rawConnection } from '../../broker/helpers.js';
import { brokerUrl, deleteNames, uniqueId } from '../../support/broker.js';
import { outbound } from '../../destinations/support.js';
import type { DestinationDriver, Undo } from '../destination.js';
import { proxied } from './tcp-peer.js';

export const amqpDestinationDriver: DestinationDriver = {
  type: 'amqp',
  appliesOnce: false,
  async start() {
    const url = await brokerUrl();
    const target = new URL(url);
    const exchange = uniqueId('medibus-conf-x');
    const queue = uniqueId('medibus-conf-q');
    const connection = await rawConnection(url);
    const ch = await connection.createChannel();
    await ch.assertExchange(exchange, 'direct', { durable: false });
    await ch.assertQueue(queue, { durable: false });
    await ch.bindQueue(queue, exchange, 'conf');
    const tcp = await proxied(Number(target.port || 5672));
    const proxiedUrl = tcp.proxy.url(url);
    const got: GetMessage[] = [];
    return {
      config: { url: proxiedUrl, exchange, routingKey: 'conf', timeout: '1s' },
      async held(message) {
        for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) got.push(m);
        return got.filter((m) => m.properties.headers?.['medibus-message-id'] === message.messageId).map((m) => String(m.properties.messageId));
      },
      openHandles: tcp.openHandles,
      transient: {
        'broker unreachable': tcp.unreachable,
        'broker stops answering (past the timeout)': tcp.hold,
        'no queue bound to the exchange': async (): Promise<Undo> => {
          await ch.unbindQueue(queue, exchange, 'conf');
          return () => ch.bindQueue(queue, exchange, 'conf').then(() => undefined);
        },
      },
      permanent: { 'payload: bundle for a message without a Bundle': () => ({ message: outbound({ bundle: undefined }), config: { payload: 'bundle' } }) },
      hold: tcp.hold,
      async stop() {
        await tcp.proxy.close();
        await ch.close();
        await connection.close();
        await deleteNames(url, { queues: [queue], exchanges: [exchange] });
      },
    };
  },
};
