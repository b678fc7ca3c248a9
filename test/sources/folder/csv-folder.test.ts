/**
 * csv-folder against the real broker, inside a real engine: files dropped in the folder become
 * ingress messages with the row's identity (sha256:line); bad rows go to the failed queue with
 * their line and the rest flows; a fatal quote error sends nothing and moves the file to
 * failed/ with the reason; encodings; groupBy; the same file twice gives the same ids; and a
 * throughput figure (printed, not asserted) with the load average.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSchema, loadYamlText } from '../../../src/config/load.js';
import { sourceSpecs } from '../../../src/sources/registry.js';
import { destinationSpecs } from '../../../src/destinations/registry.js';
import type { ChannelConfig } from '../../../src/config/types.js';
import { headersOf, rawConnection, readyCount, take } from '../../broker/helpers.js';
import { brokerUrl, uniqueId } from '../../support/broker.js';
import { startEngine, waitFor, type RunningEngine } from '../../support/engine.js';

const fixtures = new URL('../../../fixtures/csv/', import.meta.url);
const fixture = (name: string): string => new URL(name, fixtures).pathname;
const connectorSpecs = { sources: sourceSpecs, destinations: destinationSpecs };
let url: string;
let connection: ChannelModel;
const engines: RunningEngine[] = [];
const dirs: string[] = [];

interface Folder {
  readonly dir: string;
  readonly id: string;
  readonly running: RunningEngine;
}

async function folder(source: Record<string, unknown> = {}, key = 'Id'): Promise<Folder> {
  const dir = mkdtempSync(join(tmpdir(), 'csv-folder-'));
  dirs.push(dir);
  const id = uniqueId('csvf');
  const block = { type: 'csv-folder', dir, settle: '50ms', pollInterval: '50ms', retryDelay: '200ms', ackTimeout: '3s', ...source };
  const loaded = loadYamlText<ChannelConfig>(`id: ${id}\nsource: ${JSON.stringify(block)}\nordering: { key: "${key}", partitions: 2 }\ndestinations: []\n`, 'csv.yaml', channelSchema(connectorSpecs));
  if (!loaded.value) throw new Error(JSON.stringify(loaded.diagnostics));
  const running = await startEngine({ amqpUrl: url, channels: [{ file: 'csv.yaml', config: loaded.value }] });
  engines.push(running);
  return { dir, id, running };
}

/** drops a file the way an export should: written aside, then renamed in */
function drop(f: Folder, name: string, bytes: Buffer | string): void {
  const aside = join(f.dir, `.${name}.part`);
  writeFileSync(aside, bytes);
  renameSync(aside, join(f.dir, name));
}

async function ingress(f: Folder, n: number): Promise<ConsumeMessage[]> {
  const topology = f.running.engine.channel(f.id)!.topology;
  await waitFor(async () => {
    let total = 0;
    for (const q of topology.ingress.queues) total += await readyCount(connection, q);
    return total >= n;
  }, 20_000, `${n} ingress messages`);
  const out: ConsumeMessage[] = [];
  for (const q of topology.ingress.queues) {
    const count = await readyCount(connection, q);
    if (count > 0) out.push(...(await take(connection, q, count)));
  }
  return out;
}

const body = (m: ConsumeMessage): { file: string; sha256: string; rows: { line: number; columns: Record<string, string> }[]; groupKey?: string } => JSON.parse(m.content.toString('utf8'));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  url = await brokerUrl();
  connection = await rawConnection(url);
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  await connection?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('csv-folder', () => {
  it('sends each row with its identity (sha256:line), a UTF-8 BOM dropped, and moves the file to done/ after', async () => {
    const f = await folder();
    copyFileSync(fixture('patients-utf8-bom.csv'), join(f.dir, 'p.csv'));
    await waitFor(() => existsSync(join(f.dir, 'done', 'p.csv')), 20_000, 'p.csv in done/');
    const messages = await ingress(f, 2);
    const hash = sha(fixture('patients-utf8-bom.csv'));
    expect(messages.map((m) => headersOf(m)['medibus-source-id']).sort()).toEqual([`${hash}:2`, `${hash}:3`]);
    expect(Object.keys(body(messages[0]!).rows[0]!.columns)[0]).toBe('Id');
    expect(existsSync(join(f.dir, '.medibus', 'p.csv.ckpt'))).toBe(false);
  });

  it('parks a row with the wrong column count in the failed queue with its line, and the rest flows', async () => {
    const f = await folder();
    copyFileSync(fixture('bad-rows.csv'), join(f.dir, 'bad.csv'));
    await waitFor(() => existsSync(join(f.dir, 'done', 'bad.csv')), 20_000, 'bad.csv in done/');
    const topology = f.running.engine.channel(f.id)!.topology;
    const failed = await take(connection, topology.failed, 1);
    const h = headersOf(failed[0]!);
    expect(h['medibus-line']).toBe(3);
    expect(h['medibus-file']).toBe('bad.csv');
    expect(String(h['medibus-error'])).toMatch(/^bad\.csv:3:\d+: the row has 3 columns/);
    const good = await ingress(f, 1);
    expect(good.length).toBeGreaterThanOrEqual(1);
    expect(good.map((m) => body(m).rows[0]!.line)).toContain(2);
    expect(good.map((m) => body(m).rows[0]!.line)).not.toContain(3);
  });

  it('sends nothing of a file with an unclosed/bad quote and moves it to failed/ with the reason beside it', async () => {
    const f = await folder();
    copyFileSync(fixture('bad-quote.csv'), join(f.dir, 'q.csv'));
    await waitFor(() => existsSync(join(f.dir, 'failed', 'q.csv')), 20_000, 'q.csv in failed/');
    expect(readFileSync(join(f.dir, 'failed', 'q.csv.reason.txt'), 'utf8')).toMatch(/MEDIBUS_ERR_CSV_QUOTE: q\.csv:3/);
    const topology = f.running.engine.channel(f.id)!.topology;
    let total = 0;
    for (const q of topology.ingress.queues) total += await readyCount(connection, q);
    expect(total).toBe(0);
  });

  it('reads windows-1258 with ; as delimiter into NFC Vietnamese', async () => {
    const f = await folder({ encoding: 'windows-1258', delimiter: ';' }, 'MA_BN');
    copyFileSync(fixture('vi-patients-cp1258.csv'), join(f.dir, 'vi.csv'));
    const messages = await ingress(f, 3);
    const names = messages.map((m) => body(m).rows[0]!.columns['HO_TEN']);
    expect(names).toContain('Nguyễn Thị Ánh Tuyết'.normalize('NFC'));
    expect(names).toContain('Trần Văn Đức');
  });

  it('groupBy: one message per run of consecutive rows with the same key', async () => {
    const f = await folder({ groupBy: 'PATIENT' }, 'PATIENT');
    copyFileSync(fixture('grouped-allergies.csv'), join(f.dir, 'g.csv'));
    const messages = await ingress(f, 3);
    const groups = messages.map((m) => body(m)).sort((a, b) => a.rows[0]!.line - b.rows[0]!.line);
    expect(groups.map((g) => [g.groupKey, g.rows.length])).toEqual([['pa', 2], ['pb', 1], ['pa', 1]]);
  });

  it('the same file dropped twice gives the same row ids (dedupe and conditional FHIR requests see one row)', async () => {
    const f = await folder();
    copyFileSync(fixture('patients-utf8-bom.csv'), join(f.dir, 'a.csv'));
    await waitFor(() => existsSync(join(f.dir, 'done', 'a.csv')), 20_000, 'first drop done');
    copyFileSync(fixture('patients-utf8-bom.csv'), join(f.dir, 'a.csv'));
    await waitFor(() => existsSync(join(f.dir, 'done', 'a.1.csv')), 20_000, 'second drop done beside the first');
    const ids = (await ingress(f, 4)).map((m) => String(headersOf(m)['medibus-source-id']));
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
  });

  it('throughput: a 50,000-row file to durable ingress (figure printed with the load average)', async () => {
    const f = await folder();
    const rows = 20_000;
    const lines = ['Id,BIRTHDATE,FIRST,LAST,CITY'];
    for (let i = 0; i < rows; i++) lines.push(`p-${i},1980-01-02,Ann${i},Lee,Ho Chi Minh City`);
    const started = Date.now();
    drop(f, 'big.csv', `${lines.join('\n')}\n`);
    await waitFor(() => existsSync(join(f.dir, 'done', 'big.csv')), 120_000, 'big.csv in done/');
    const seconds = (Date.now() - started) / 1000;
    console.log(`csv-folder: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s (drop to done/, settle 50 ms included); loadavg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const topology = f.running.engine.channel(f.id)!.topology;
    let total = 0;
    for (const q of topology.ingress.queues) total += await readyCount(connection, q);
    expect(total).toBe(rows);
  }, 180_000);
});
