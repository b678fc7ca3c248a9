import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { amqpDestination } from '../../src/destinations/amqp.js';
import { encodeText } from '../../src/hl7/index.js';
import { brokerUrl, deleteNames, uniqueId } from '../support/broker.js';
import { rawConnection, waitFor } from '../broker/helpers.js';
import { closedPort, createDestination, outbound, outcome, runCleanup } from './support.js';

afterEach(runCleanup);

const signal = (): AbortSignal => new AbortController().signal;

describe('amqp destination', () => {
  let url: string;
  let conn: ChannelModel;
  let ch: Channel;
  const exchange = uniqueId('medibus-test-dest-x');
  const unbound = uniqueId('medibus-test-dest-unbound');
  const queue = uniqueId('medibus-test-dest-q');

  beforeAll(async () => {
    url = await brokerUrl();
    conn = await rawConnection(url);
    ch = await conn.createChannel();
    await ch.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    await ch.assertExchange(unbound, 'direct', { durable: false, autoDelete: false });
    await ch.assertQueue(queue, { durable: false, exclusive: false, autoDelete: false });
    await ch.bindQueue(queue, exchange, 'adt');
  });
  afterAll(async () => {
    await ch.close();
    await conn.close();
    await deleteNames(url, { queues: [queue], exchanges: [exchange, unbound] });
  });

  /** the next message in the test queue, or undefined after a bounded wait */
  async function take(): Promise<GetMessage | undefined> {
    let got: GetMessage | false = false;
    await waitFor(async () => (got = await ch.get(queue, { noAck: true })) !== false, 5000, 'a message in the queue');
    return got === false ? undefined : got;
  }

  it('publishes the Bundle with confirms, the medibus headers and persistent delivery', async () => {
    const events = createDestination(amqpDestination, { url: '${AMQP_URL}', exchange, routingKey: 'adt' }, { AMQP_URL: url });
    const message = outbound();
    expect(await outcome(events.deliver(message, signal()))).toBe('delivered');
    const got = await take();
    expect(JSON.parse(got?.content.toString('utf8') ?? '')).toEqual(message.bundle);
    expect(got?.properties).toMatchObject({ messageId: message.messageId, contentType: 'application/fhir+json', deliveryMode: 2, appId: 'medibus' });
    expect(got?.properties.headers).toEqual({
      'medibus-message-id': message.messageId,
      'medibus-channel': 'adt-from-his',
      'medibus-control-id': 'VN-ADT-000731',
      'medibus-type': 'ADT^A01',
      'medibus-received-at': '2024-03-05T03:15:00.000Z',
    });
  });

  it('publishes the HL7 v2 bytes in their charset with payload: hl7', async () => {
    const events = createDestination(amqpDestination, { url, exchange, routingKey: 'adt', payload: 'hl7' });
    const message = outbound({ bundle: undefined });
    await events.deliver(message, signal());
    const got = await take();
    expect(got?.content.equals(encodeText(message.hl7, 'windows-1258'))).toBe(true);
    expect(got?.properties.contentType).toBe('application/hl7-v2');
    expect(got?.properties.headers?.['medibus-charset']).toBe('windows-1258');
  });

  it('retries a message no queue takes (mandatory), instead of losing it', async () => {
    const events = createDestination(amqpDestination, { url, exchange: unbound, routingKey: 'adt' });
    expect(await outcome(events.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_BROKER_NACK', retryable: true, message: expect.stringMatching(new RegExp(`^exchange "${unbound}": `)) });
  });

  it('retries when the exchange does not exist, saying so', async () => {
    const missing = uniqueId('medibus-test-missing');
    const events = createDestination(amqpDestination, { url, exchange: missing });
    const failure = await outcome(events.deliver(outbound(), signal()));
    expect(failure).toMatchObject({ code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE', retryable: true, message: expect.stringContaining(`404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${missing}'`) });
  });

  it('retries when the broker is unreachable', async () => {
    const port = await closedPort();
    const events = createDestination(amqpDestination, { url: `amqp://guest:guest@127.0.0.1:${port}`, exchange, timeout: '300ms' });
    expect(await outcome(events.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_BROKER_UNAVAILABLE',
      retryable: true,
      message: `exchange "${exchange}": not connected to RabbitMQ after 300 ms`,
    });
  });

  it('rejects payload: bundle for a message without a Bundle', async () => {
    const events = createDestination(amqpDestination, { url, exchange });
    expect(await outcome(events.deliver(outbound({ bundle: undefined }), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
  });
});
