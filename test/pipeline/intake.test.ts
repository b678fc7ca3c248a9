/**
 * The foundation's promise, end to end over real sockets and the real broker: a sender gets
 * AA only once its message sits in the channel's durable ingress queue; when the broker is
 * gone it gets AE (not a hang, not a false AA); when the broker comes back, flow resumes by
 * itself; bad input gets AR with an ERR that says where and why; logs carry no patient data.
 */
import { fileURLToPath } from 'node:url';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAck, parseMessage } from '../../src/hl7/index.js';
import { rawConnection, take } from '../broker/helpers.js';
import { brokerUrl } from '../support/broker.js';
import { adt, captureLog, sendOne, startEngine, testChannel, waitFor, type RunningEngine } from '../support/engine.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

let url: string;
let proxy: TcpProxy;
let running: RunningEngine;
const channel = testChannel();
// a channel that runs the shipped adt mapping: its requires: is checked before the ACK
const mapped = testChannel({ transform: { mapping: 'adt', validate: true } });
const logs = captureLog();
const id = channel.config.id;

beforeAll(async () => {
  url = await brokerUrl();
  const target = new URL(url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
  running = await startEngine({ channels: [channel, mapped], amqpUrl: proxy.url(url), log: logs.log, mappingsDir: fileURLToPath(new URL('../../mappings', import.meta.url)) });
});

afterAll(async () => {
  proxy.up();
  await running?.stop();
  await proxy?.close();
});

function ack(text: string): ReturnType<typeof parseAck> {
  return parseAck(parseMessage(text));
}

async function ingressMessages(n: number): Promise<ConsumeMessage[]> {
  const connection = await rawConnection(url);
  try {
    const queues = running.engine.channel(id)!.topology.ingress.queues;
    const got: ConsumeMessage[] = [];
    for (const queue of queues) {
      const ch = await connection.createChannel();
      const count = (await ch.checkQueue(queue)).messageCount;
      await ch.close();
      if (count > 0) got.push(...(await take(connection, queue, count)));
    }
    expect(got.length).toBe(n);
    return got;
  } finally {
    await connection.close();
  }
}

describe('intake over MLLP', () => {
  it('answers AA only with the message durably queued, with its routing headers', async () => {
    const reply = await sendOne(running.port(id), adt('CTRL-1'));
    const parsed = parseMessage(reply);
    expect(ack(reply)).toMatchObject({ code: 'AA', controlId: 'CTRL-1' });
    // The ACK swaps sender and receiver and echoes version and processing id (HL7 v2.5.1 §2.9).
    expect(parsed.header.sendingApplication).toBe('MEDIBUS');
    expect(parsed.header.receivingApplication).toBe('HIS');
    expect(parsed.header.version).toBe('2.5.1');
    expect(parsed.header.processingId).toBe('P');

    await waitFor(async () => {
      const connection = await rawConnection(url);
      try {
        let total = 0;
        for (const q of running.engine.channel(id)!.topology.ingress.queues) {
          const ch = await connection.createChannel();
          total += (await ch.checkQueue(q)).messageCount;
          await ch.close();
        }
        return total === 1;
      } finally {
        await connection.close();
      }
    }, 15_000, 'the message in an ingress queue');
    const [queued] = await ingressMessages(1);
    expect(queued.content.toString('utf8')).toBe(adt('CTRL-1'));
    expect(queued.properties.deliveryMode).toBe(2);
    const headers = queued.properties.headers as Record<string, unknown>;
    expect(headers['medibus-control-id']).toBe('CTRL-1');
    expect(headers['medibus-type']).toBe('ADT^A01');
    // The ordering key travels as a hash, never as the MRN itself.
    expect(JSON.stringify(headers)).not.toContain('MRN001');
  });

  it('refuses an unreadable message with AR and an ERR saying where, and queues nothing', async () => {
    const reply = await sendOne(running.port(id), 'PID|1||X\rMSH|^~\\&|A');
    const parsed = ack(reply);
    expect(parsed.code).toBe('AR');
    expect(parsed.errors[0]).toMatchObject({ code: '100', applicationCode: 'MEDIBUS_ERR_HL7_NO_MSH' });
  });

  it('refuses a message without MSH-10 with AR, ERR-2 pointing at MSH-10', async () => {
    const reply = await sendOne(running.port(id), adt('').replace('ADT^A01^ADT_A01||', 'ADT^A01^ADT_A01||'));
    const parsed = ack(reply);
    expect(parsed.code).toBe('AR');
    expect(parsed.errors.some((e) => e.code === '101' && e.location?.segment === 'MSH' && e.location.field === 10)).toBe(true);
  });

  it('refuses a message without a segment its channel\'s mapping requires with AR, ERR-2 naming the segment (issue 15: an MSH alone)', async () => {
    // the message, as v2.5.1 so that the ERR carries ERR-2, ERR-5 and ERR-7 (a v2.3 ERR has only ERR-1)
    const reply = await sendOne(running.port(mapped.config.id), 'MSH|^~\\&|A|B|C|D|20050110045504||ADT^A01|599102|P|2.5.1');
    const parsed = ack(reply);
    expect(parsed).toMatchObject({ code: 'AR', controlId: '599102' });
    expect(parsed.errors[0]).toMatchObject({ code: '100', applicationCode: 'MEDIBUS_ERR_MAPPING_SEGMENT_MISSING', location: { segment: 'PID', sequence: 1 } });
    expect(parsed.errors[0].diagnostic).toBe('PID, PV1 missing: ADT^A01 needs PID, PV1 (mapping adt, requires:)');
    // a complete admission on the same channel is accepted
    expect(ack(await sendOne(running.port(mapped.config.id), adt('CTRL-MAPPED')))).toMatchObject({ code: 'AA' });
  });

  it('answers in enhanced mode with CA when MSH-15 asks for an accept ACK', async () => {
    const message = adt('CTRL-ENH').replace('|P|2.5.1', '|P|2.5.1|||AL|NE');
    expect(ack(await sendOne(running.port(id), message))).toMatchObject({ code: 'CA', controlId: 'CTRL-ENH' });
    await ingressMessages(1);
  });

  it('answers AE when the broker is unreachable, then AA again once it is back, by itself', async () => {
    proxy.down();
    let reply = '';
    await waitFor(async () => {
      reply = await sendOne(running.port(id), adt('CTRL-DOWN'));
      return ack(reply).code === 'AE';
    }, 15_000, 'an AE while the broker is down');
    const parsed = ack(reply);
    expect(parsed.controlId).toBe('CTRL-DOWN');
    expect(parsed.errors[0]?.applicationCode).toMatch(/^MEDIBUS_ERR_BROKER_/);

    proxy.up();
    await waitFor(async () => ack(await sendOne(running.port(id), adt('CTRL-BACK'))).code === 'AA', 30_000, 'AA after the broker is back');
    // Only what was acknowledged AA is in the queue: the AE'd message was not kept.
    const queued = await ingressMessages(1);
    expect((queued[0].properties.headers as Record<string, unknown>)['medibus-control-id']).toBe('CTRL-BACK');
  });

  it('never logs the patient name, identifier or message body', () => {
    const text = logs.text();
    expect(logs.entries.some((e) => e.event === 'received')).toBe(true);
    for (const phi of ['Nguyễn', 'MRN001', 'Lý Thường Kiệt', '19800102']) expect(text).not.toContain(phi);
  });
});
