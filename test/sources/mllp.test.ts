import { afterEach, describe, expect, it } from 'vitest';
import { isMedibusError, MedibusError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { MllpClient } from '../../src/mllp/client.js';
import type { IngestResult } from '../../src/sources/types.js';
import { mllpSource, type MllpSourceConfig } from '../../src/sources/mllp.js';
import type { ReceivedMeta, Source, SourceContext } from '../../src/sources/types.js';

const config: MllpSourceConfig = {
  host: '127.0.0.1',
  port: 0,
  maxFrameSize: 2048,
  idleTimeout: 0,
  frameTimeout: 0,
  ackTimeout: 5000,
  maxConnections: 8,
  charset: 'UTF-8',
};

interface Recorded {
  ingested: Array<{ raw: string; meta: ReceivedMeta }>;
  rejected: Array<{ head: string; error: MedibusError; meta: ReceivedMeta }>;
}

/**
 * The SourceContext contract as the intake fulfils it: ingestHl7 answers with an ACK (here
 * naming the payload so the test can match it), or an empty Buffer for "answer nothing".
 */
function context(recorded: Recorded): SourceContext {
  const result = (ack: string, code: string): IngestResult => ({ accepted: code === 'AA', ack: Buffer.from(ack), ackCode: code });
  return {
    channelId: 'test',
    log: silentLogger,
    async ingestHl7(raw, meta) {
      recorded.ingested.push({ raw: raw.toString('latin1'), meta });
      return raw.toString().includes('NE-MODE') ? result('', 'AA') : result(`AA for ${raw.toString('latin1')}`, 'AA');
    },
    rejectHl7(head, error, meta) {
      recorded.rejected.push({ head: head.toString('latin1'), error, meta });
      return result(`AR ${error.code}`, 'AR');
    },
    fail: async (_record, error) => ({ accepted: false, error, retryable: false }),
    async ingest() {
      return { accepted: false, error: new MedibusError('MEDIBUS_ERR_INTERNAL', 'an MLLP source hands on HL7 only'), retryable: false };
    },
  };
}

let running: Source | undefined;
let client: MllpClient | undefined;
afterEach(async () => {
  await client?.close();
  await running?.stop();
  client = undefined;
  running = undefined;
});

async function startSource(recorded: Recorded): Promise<MllpClient> {
  running = mllpSource.create(config, context(recorded));
  await running.start();
  const address = running.address();
  expect(address?.host).toBe('127.0.0.1');
  client = new MllpClient({ host: '127.0.0.1', port: address!.port });
  return client;
}

describe('mllp source', () => {
  it('hands each frame to ingestHl7 with the sender address and answers with its ACK', async () => {
    const recorded: Recorded = { ingested: [], rejected: [] };
    const c = await startSource(recorded);
    const before = new Date();
    const reply = await c.send(Buffer.from('MSH|^~\\&|A|B|C|D|||ADT^A01|1|P|2.5\r'), { timeoutMs: 2000 });
    expect(reply.toString()).toBe('AA for MSH|^~\\&|A|B|C|D|||ADT^A01|1|P|2.5\r');
    expect(recorded.ingested).toHaveLength(1);
    const meta = recorded.ingested[0]!.meta;
    expect(meta.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(meta.receivedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);
  });

  it('turns an oversized frame into rejectHl7(FRAME_TOO_LARGE) with its head, and keeps the connection', async () => {
    const recorded: Recorded = { ingested: [], rejected: [] };
    const c = await startSource(recorded);
    const big = Buffer.concat([Buffer.from('MSH|^~\\&|BIG|'), Buffer.alloc(10_000, 0x41)]);
    expect((await c.send(big, { timeoutMs: 2000 })).toString()).toBe('AR MEDIBUS_ERR_MLLP_FRAME_TOO_LARGE');
    const rejected = recorded.rejected[0]!;
    expect(isMedibusError(rejected.error) && rejected.error.code).toBe('MEDIBUS_ERR_MLLP_FRAME_TOO_LARGE');
    expect(rejected.error.message).toContain('10013 bytes');
    expect(rejected.head.startsWith('MSH|^~\\&|BIG|')).toBe(true);
    expect(rejected.head.length).toBeLessThan(big.length);
    expect(recorded.ingested).toHaveLength(0);
    expect((await c.send(Buffer.from('MSH|small'), { timeoutMs: 2000 })).toString()).toBe('AA for MSH|small');
  });

  it('sends nothing when the intake answers with an empty ACK (enhanced mode NE)', async () => {
    const recorded: Recorded = { ingested: [], rejected: [] };
    const c = await startSource(recorded);
    await expect(c.send(Buffer.from('MSH|NE-MODE'), { timeoutMs: 200 })).rejects.toMatchObject({ code: 'MEDIBUS_ERR_MLLP_TIMEOUT' });
    expect(recorded.ingested).toHaveLength(1);
    expect((await c.send(Buffer.from('MSH|next'), { timeoutMs: 2000 })).toString()).toBe('AA for MSH|next');
  });

  it('declares its config schema with a description for every key', () => {
    const properties = mllpSource.configSchema['properties'] as Record<string, { description?: string }>;
    // tls is the one optional key (absent = plain TCP)
    expect(Object.keys(properties).sort()).toEqual([...Object.keys(config), 'tls'].sort());
    for (const [key, schema] of Object.entries(properties)) expect(schema.description, key).toBeTruthy();
  });

  it('refuses to start on a port already in use', async () => {
    const recorded: Recorded = { ingested: [], rejected: [] };
    await startSource(recorded);
    const second = mllpSource.create({ ...config, port: running!.address()!.port }, context(recorded));
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
  });
});
