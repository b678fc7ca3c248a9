/**
 * The message model end to end through the real broker: a DICOM object's metadata and CSV
 * rows handed to SourceContext.ingest() (the call the C-STORE and folder sources make) are
 * accepted only once durable, flow through the transform (decoded by kind, deduplicated by the
 * kind's identity) and reach a file destination as route envelopes v3 carrying the original;
 * a payload of the wrong kind is refused, not retryable; the log carries no patient data.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelConfig, DestinationConfig, LoadedChannel } from '../../src/config/types.js';
import { readDicom } from '../../src/dicom/index.js';
import { kindSpec } from '../../src/kinds/registry.js';
import type { CsvPayload, DicomPayload } from '../../src/kinds/types.js';
import type { StatusEvent } from '../../src/status/events.js';
import { brokerUrl } from '../support/broker.js';
import { captureLog, startEngine, testChannel, waitFor, type RunningEngine } from '../support/engine.js';
import { heldSources } from '../support/kind-sources.js';

const fixture = (...parts: string[]): Promise<Buffer> => readFile(new URL(`../../fixtures/${parts.join('/')}`, import.meta.url));
const held = heldSources();
const logs = captureLog();
const events: StatusEvent[] = [];
let dir: string;
let running: RunningEngine;
let pacs: LoadedChannel;
let exports: LoadedChannel;

function fileDestination(file: string): DestinationConfig {
  return { name: 'archive', type: 'file', ordering: 'patient', retry: { maxAttempts: 3, initialDelay: 100, maxDelay: 1000, backoffCoefficient: 2 }, path: file, payload: 'envelope', fsync: true, maxSize: 100 * 1024 * 1024, maxFiles: 10 };
}

function channelOf(source: string, key: string, file: string): LoadedChannel {
  const base = testChannel();
  const config: ChannelConfig = { ...base.config, source: { type: source }, ordering: { key, partitions: 2 }, destinations: [fileDestination(file)] };
  return { file: base.file, config };
}

async function lines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'medibus-kinds-e2e-'));
  pacs = channelOf('held-dicom', 'PatientID + IssuerOfPatientID', path.join(dir, 'pacs.ndjson'));
  exports = channelOf('held-csv', 'Id', path.join(dir, 'patients.ndjson'));
  running = await startEngine({ channels: [pacs, exports], amqpUrl: await brokerUrl(), log: logs.log, sources: held.specs });
  running.engine.status.on((event) => events.push(event));
});

afterAll(async () => {
  await running?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('payloads of every kind through ingest()', () => {
  it('a DICOM object: accepted once durable, routed with its DICOM JSON and stored-object reference', async () => {
    const dataset = readDicom(await fixture('dicom', 'pydicom__CT_small.dcm')).dataset;
    const payload: DicomPayload = { kind: 'dicom', dataset, objectRef: 'store/ct-small.dcm' };
    const outcome = await held.context(pacs.config.id).ingest(payload, { receivedAt: new Date(), callingAe: 'CT01', remote: '127.0.0.1:50000' });
    expect(outcome.accepted).toBe(true);
    const messageId = outcome.accepted ? outcome.messageId : '';

    const out = path.join(dir, 'pacs.ndjson');
    await waitFor(async () => (await lines(out)).length === 1, 15_000, 'the DICOM message in the file');
    const [line] = await lines(out);
    expect(line).toMatchObject({ messageId, channel: pacs.config.id, kind: 'dicom', sourceId: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', messageType: 'CT', contentType: 'application/dicom+json' });
    // what the destination got back decodes to what the source handed on
    expect(kindSpec('dicom').decode(Buffer.from(JSON.stringify(line!['original'])))).toEqual(payload);

    await waitFor(() => events.some((e) => e.messageId === messageId && e.status === 'sent'), 10_000, 'sent');
    const seen = events.filter((e) => e.messageId === messageId);
    expect(seen.map((e) => e.status)).toEqual(['received', 'transformed', 'sent']);
    expect(seen[0]).toMatchObject({ kind: 'dicom', sourceId: payload.dataset['00080018']!.Value![0], messageType: 'CT' });
  });

  it('CSV rows: each its own message, named by file hash and line; the same row again is a duplicate', async () => {
    const bytes = await fixture('csv', 'ohdsi-tutorial-etl__synthea_patients.csv');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { payloads } = await kindSpec('csv').readFile(bytes, 'patients.csv');
    const rows = payloads.slice(0, 3);
    const context = held.context(exports.config.id);
    const outcomes = await Promise.all(rows.map((row) => context.ingest(row, { receivedAt: new Date(), file: 'patients.csv' })));
    expect(outcomes.map((o) => o.accepted)).toEqual([true, true, true]);

    const out = path.join(dir, 'patients.ndjson');
    await waitFor(async () => (await lines(out)).length === 3, 15_000, 'three rows in the file');
    const written = await lines(out);
    expect(written.map((l) => l['sourceId']).sort()).toEqual([`${sha256}:2`, `${sha256}:3`, `${sha256}:4`]);
    const second = written.find((l) => l['sourceId'] === `${sha256}:3`)!;
    expect(second).toMatchObject({ kind: 'csv', messageType: 'csv', contentType: 'application/vnd.medibus.csv-rows+json' });
    expect(kindSpec('csv').decode(Buffer.from(JSON.stringify(second['original'])))).toEqual(rows[1] as CsvPayload);

    // the same file dropped again: the row is received (durable) but not processed twice
    const again = await context.ingest(rows[0]!, { receivedAt: new Date(), file: 'patients.csv' });
    expect(again.accepted).toBe(true);
    const againId = again.accepted ? again.messageId : '';
    await waitFor(() => events.some((e) => e.messageId === againId && e.status === 'duplicate'), 10_000, 'duplicate');
    expect((await lines(out)).length).toBe(3);
  });

  it('refuses a payload of another kind than the channel takes, as not retryable', async () => {
    const { payloads } = await kindSpec('csv').readFile(Buffer.from('Id,NAME\np-1,Ann\n'), 'other.csv');
    const outcome = await held.context(pacs.config.id).ingest(payloads[0]!, { receivedAt: new Date(), file: 'other.csv' });
    expect(outcome).toMatchObject({ accepted: false, retryable: false, error: { code: 'MEDIBUS_ERR_KIND_MISMATCH' } });
    expect(events.some((e) => e.status === 'refused' && e.channel === pacs.config.id && e.code === 'MEDIBUS_ERR_KIND_MISMATCH')).toBe(true);
  });

  it('logs no patient identifier or name', () => {
    const text = logs.text();
    expect(text).toContain('"kind":"dicom"');
    for (const phi of ['1CT1', 'CompressedSamples', '07cb2889-a47c-bede-f317-57a3822ec014', 'Herbert830', 'Franecki195', '999-69-2367']) expect(text).not.toContain(phi);
  });
});
