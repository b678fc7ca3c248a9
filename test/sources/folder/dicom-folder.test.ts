/**
 * dicom-folder against the real broker, inside a real engine (its broker connection through a
 * TCP proxy, so a test can hold the broker's answers): a .dcm file moves to done/ only once its
 * message is durable; a broken file goes to failed/ with its reason beside it and the next file
 * flows; a restart takes the files left in the folder and not those already done.
 * Fixtures: fixtures/dicom (copied from the shared corpus, fixtures/dicom/SOURCES.md).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelSchema, loadYamlText } from '../../../src/config/load.js';
import type { ChannelConfig, LoadedChannel } from '../../../src/config/types.js';
import { readDicom } from '../../../src/dicom/index.js';
import { headersOf, rawConnection, readyCount, sleep, take } from '../../broker/helpers.js';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../../support/broker.js';
import { startEngine, waitFor, type RunningEngine } from '../../support/engine.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

const fixture = (name: string): string => new URL(`../../../fixtures/dicom/${name}`, import.meta.url).pathname;
const sopOf = (name: string): string => String(readDicom(readFileSync(fixture(name))).dataset['00080018']?.Value?.[0]);
const GOOD = ['pydicom__CT_small.dcm', 'pydicom__MR_small.dcm', 'pydicom__MR_small_implicit.dcm', 'pydicom__chrX1.dcm'];

let url: string;
let proxy: TcpProxy;
let connection: ChannelModel;
const engines: RunningEngine[] = [];
const dirs: string[] = [];
const channelIds: string[] = [];

function channel(dir: string, id = uniqueId('dcmf')): LoadedChannel {
  const block = { type: 'dicom-folder', dir, settle: '50ms', pollInterval: '50ms', retryDelay: '200ms', ackTimeout: '1500ms' };
  const loaded = loadYamlText<ChannelConfig>(`id: ${id}\nsource: ${JSON.stringify(block)}\nordering: { key: PatientID, partitions: 2 }\ndestinations: []\n`, 'dicom.yaml', channelSchema());
  if (!loaded.value) throw new Error(JSON.stringify(loaded.diagnostics));
  channelIds.push(id);
  return { file: 'dicom.yaml', config: loaded.value };
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dicom-folder-'));
  dirs.push(dir);
  return dir;
}

async function engine(ch: LoadedChannel): Promise<RunningEngine> {
  const running = await startEngine({ amqpUrl: proxy.url(url), channels: [ch] });
  engines.push(running);
  return running;
}

/** drops a file the way a PACS export should: copied aside under a name the pattern skips, then renamed in */
function drop(dir: string, name: string, as = name): void {
  const aside = join(dir, `.${as}.part`);
  copyFileSync(fixture(name), aside);
  renameSync(aside, join(dir, as));
}

async function ingressCount(ch: LoadedChannel, running: RunningEngine): Promise<number> {
  let total = 0;
  for (const q of running.engine.channel(ch.config.id)!.topology.ingress.queues) total += await readyCount(connection, q);
  return total;
}

async function ingress(ch: LoadedChannel, running: RunningEngine): Promise<ConsumeMessage[]> {
  const out: ConsumeMessage[] = [];
  for (const q of running.engine.channel(ch.config.id)!.topology.ingress.queues) {
    const count = await readyCount(connection, q);
    if (count > 0) out.push(...(await take(connection, q, count)));
  }
  return out;
}

beforeAll(async () => {
  url = await brokerUrl();
  const target = new URL(url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
  connection = await rawConnection(url);
});

afterEach(async () => {
  proxy.up();
  for (const e of engines.splice(0)) await e.engine.stop();
  for (const id of channelIds.splice(0)) await deleteChannelTopology(url, { channelId: id, partitions: 2, queueType: 'quorum', destinations: [] });
});

afterAll(async () => {
  await connection?.close();
  await proxy?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dicom-folder', () => {
  it('moves a file to done/ only once its message is durable: not while the broker holds its confirm', async () => {
    const dir = folder();
    const ch = channel(dir);
    const running = await engine(ch);
    proxy.stall();
    drop(dir, 'pydicom__CT_small.dcm', 'ct.dcm');
    // settled and read within a few polls; the publish sits in the stalled proxy
    await sleep(800);
    expect(existsSync(join(dir, 'ct.dcm'))).toBe(true);
    expect(existsSync(join(dir, 'done', 'ct.dcm'))).toBe(false);
    proxy.up();
    await waitFor(() => existsSync(join(dir, 'done', 'ct.dcm')), 20_000, 'ct.dcm in done/');
    // at the moment it is in done/, its message is in ingress
    expect(await ingressCount(ch, running)).toBe(1);
    const [message] = await ingress(ch, running);
    expect(headersOf(message!)['medibus-source-id']).toBe(sopOf('pydicom__CT_small.dcm'));
    const body = JSON.parse(message!.content.toString('utf8')) as Record<string, { BulkDataURI?: string }>;
    // the metadata only: the pixels stay in the file, which the message names where it now is
    expect(body['7FE00010']?.BulkDataURI).toBe(join(dir, 'done', 'ct.dcm'));
    expect(message!.content.length).toBeLessThan(readFileSync(fixture('pydicom__CT_small.dcm')).length);
  });

  it('keeps a file in the folder, with why, while the broker is down; it goes to done/ once the broker is back', async () => {
    const dir = folder();
    const ch = channel(dir);
    const running = await engine(ch);
    proxy.down();
    drop(dir, 'pydicom__MR_small.dcm', 'mr.dcm');
    const waiting = join(dir, '.medibus', 'mr.dcm.waiting.txt');
    await waitFor(() => existsSync(waiting), 20_000, 'the waiting reason');
    expect(readFileSync(waiting, 'utf8')).toMatch(/^MEDIBUS_ERR_BROKER_/);
    expect(existsSync(join(dir, 'mr.dcm'))).toBe(true);
    proxy.up();
    await waitFor(() => existsSync(join(dir, 'done', 'mr.dcm')), 20_000, 'mr.dcm in done/');
    expect(existsSync(waiting)).toBe(false);
    expect((await ingress(ch, running)).map((m) => headersOf(m)['medibus-source-id'])).toEqual([sopOf('pydicom__MR_small.dcm')]);
  });

  it('moves a broken file to failed/ with its reason beside it, and the next file flows', async () => {
    const dir = folder();
    const ch = channel(dir);
    const running = await engine(ch);
    drop(dir, 'pydicom__MR_truncated.dcm', 'cut.dcm');
    drop(dir, 'pydicom__badVR.dcm', 'badvr.dcm');
    drop(dir, 'pydicom__CT_small.dcm', 'next.dcm');
    await waitFor(() => existsSync(join(dir, 'failed', 'cut.dcm')) && existsSync(join(dir, 'failed', 'badvr.dcm')) && existsSync(join(dir, 'done', 'next.dcm')), 20_000, 'both broken files in failed/ and next.dcm in done/');
    expect(readFileSync(join(dir, 'failed', 'cut.dcm.reason.txt'), 'utf8')).toMatch(/^MEDIBUS_ERR_DICOM_TRUNCATED: .*Pixel Data \(7FE0,0010\) declares 8192 bytes/);
    expect(readFileSync(join(dir, 'failed', 'badvr.dcm.reason.txt'), 'utf8')).toMatch(/^MEDIBUS_ERR_DICOM_BAD_VR: .*\(0028,0008\)/);
    // nothing of the broken files went to ingress
    expect((await ingress(ch, running)).map((m) => headersOf(m)['medibus-source-id'])).toEqual([sopOf('pydicom__CT_small.dcm')]);
  });

  it('a restart takes the files left in the folder, and not those already in done/', async () => {
    const dir = folder();
    const ch = channel(dir);
    const first = await engine(ch);
    drop(dir, GOOD[0]!);
    await waitFor(() => existsSync(join(dir, 'done', GOOD[0]!)), 20_000, 'the first file in done/');
    proxy.down();
    for (const name of GOOD.slice(1)) drop(dir, name);
    await waitFor(() => GOOD.slice(1).every((name) => existsSync(join(dir, '.medibus', `${name}.waiting.txt`))), 20_000, 'the others waiting for the broker');
    // stopped while they wait (its queues stay: the next process is the same channel)
    await first.engine.stop();
    engines.splice(engines.indexOf(first), 1);
    proxy.up();
    const second = await engine(ch);
    await waitFor(() => GOOD.every((name) => existsSync(join(dir, 'done', name))), 20_000, 'every file in done/');
    expect(readdirSync(dir).filter((name) => name.endsWith('.dcm'))).toEqual([]);
    const ids = (await ingress(ch, second)).map((m) => String(headersOf(m)['medibus-source-id'])).sort();
    // each object once: the one done before the restart was not taken again
    expect(ids).toEqual(GOOD.map(sopOf).sort());
  });
});
