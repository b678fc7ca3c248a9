/**
 * CSV guarantees against real parts: a medibus process (`medibus start`, its own process) with
 * a csv-folder channel, the real broker, and two real FHIR servers. The mapping is the test's
 * own (test/proofs/csv/proof-csv-patients.yaml: Patient keyed on the export's Id column).
 *   - the same file dropped twice makes no duplicate resources;
 *   - a file with bad rows (wrong column count, unparseable date, unmapped code under
 *     `reject`): the good rows in both servers, each bad row in the failed queue with its file
 *     and line;
 *   - kill -9 of the medibus process during a 50,000-row file: after the restart, every row is
 *     in both servers exactly once (row identity = the file's content hash + line).
 * One partition in the first channel: its messages are delivered in file order, so a marker row
 * dropped last says that everything before it has been handled.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersOf, rawConnection, readyCount, take } from '../broker/helpers.js';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { byIdentifier, count, fhirPair } from './support.js';

const MAPPINGS = new URL('./csv/', import.meta.url).pathname;
const SYSTEM = 'urn:medibus:test:csv-patient';
const HEADER = 'Id,BIRTHDATE,FIRST,LAST,GENDER';
const ROWS = 50_000;

let url: string;
let connection: ChannelModel;
const cleanups: (() => Promise<void>)[] = [];

interface CsvChannel {
  readonly id: string;
  readonly inbox: string;
  readonly servers: Awaited<ReturnType<typeof fhirPair>>;
  start(): Promise<MedibusProcess>;
}

async function csvChannel(partitions: number): Promise<CsvChannel> {
  const id = uniqueId('csvproof');
  const inbox = mkdtempSync(join(tmpdir(), 'csv-proof-'));
  const servers = await fhirPair();
  const destination = (name: string, fhir: string): string => `
  - name: ${name}
    type: fhir
    url: ${fhir}
    timeout: 10s
    retry: { maxAttempts: 1000, initialDelay: 200ms, maxDelay: 2s }`;
  const yaml = `id: ${id}
source: { type: csv-folder, dir: ${JSON.stringify(inbox)}, settle: 100ms, pollInterval: 100ms, retryDelay: 500ms, ackTimeout: 10s }
ordering: { key: Id, partitions: ${partitions} }
transform: { mapping: proof-csv-patients }
destinations:${destination('emr', servers.emr.url)}${destination('central', servers.central.url)}
`;
  const dir = await channelsDir({ 'csv.yaml': yaml });
  const processes: MedibusProcess[] = [];
  cleanups.push(async () => {
    for (const p of processes) await p.stop();
    await servers.stop();
    await dir.remove();
    rmSync(inbox, { recursive: true, force: true });
    await deleteChannelTopology(url, { channelId: id, partitions, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
  });
  return {
    id,
    inbox,
    servers,
    async start() {
      const p = await spawnMedibus({ channelsDir: dir.dir, env: { AMQP_URL: url }, name: id, args: ['--mappings', MAPPINGS] });
      processes.push(p);
      return p;
    },
  };
}

/** drops a file the way an export should: written aside under a dot name, then renamed in */
function drop(inbox: string, name: string, text: string): void {
  const aside = join(inbox, `.${name}.part`);
  writeFileSync(aside, text);
  renameSync(aside, join(inbox, name));
}

const row = (id: string, birth = '1980-01-02', gender = 'F'): string => `${id},${birth},Ánh,Nguyễn,${gender}`;
const patients = async (c: CsvChannel, id: string) => ({
  emr: await byIdentifier(c.servers.emr, 'Patient', SYSTEM, id),
  central: await byIdentifier(c.servers.central, 'Patient', SYSTEM, id),
});
async function delivered(c: CsvChannel, id: string): Promise<void> {
  await waitFor(async () => {
    const found = await patients(c, id);
    return found.emr.length > 0 && found.central.length > 0;
  }, 120_000, `patient ${id} in both servers`);
}

beforeAll(async () => {
  url = await brokerUrl();
  connection = await rawConnection(url);
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await connection?.close();
});

describe('CSV proofs', () => {
  let c: CsvChannel;
  beforeAll(async () => {
    c = await csvChannel(1);
    await c.start();
  }, 120_000);

  it('the same file dropped twice makes no duplicate resources', async () => {
    const ids = ['TW1', 'TW2', 'TW3', 'TW4', 'TW5'];
    const text = `${HEADER}\n${ids.map((id) => row(id)).join('\n')}\n`;
    drop(c.inbox, 'twice.csv', text);
    await waitFor(() => existsSync(join(c.inbox, 'done', 'twice.csv')), 60_000, 'twice.csv in done/');
    drop(c.inbox, 'twice.csv', text);
    // the second copy is kept beside the first in done/
    await waitFor(() => existsSync(join(c.inbox, 'done', 'twice.1.csv')), 60_000, 'the second twice.csv in done/');
    drop(c.inbox, 'marker.csv', `${HEADER}\n${row('TW-MARKER')}\n`);
    await delivered(c, 'TW-MARKER');
    for (const id of ids) {
      const found = await patients(c, id);
      expect(found.emr, `${id} in the EMR`).toHaveLength(1);
      expect(found.central, `${id} in the central repository`).toHaveLength(1);
    }
  }, 180_000);

  it('a file with bad rows: the good rows delivered, each bad row in the failed queue with its file and line', async () => {
    const lines = [
      HEADER,
      row('BR-GOOD-1'), // line 2
      'BR-COLUMNS,1980-01-02,Ánh,Nguyễn', // line 3: 4 columns of 5
      row('BR-GOOD-2'), // line 4
      row('BR-DATE', '02/30/1980'), // line 5: not a date
      row('BR-GENDER', '1980-01-02', 'X'), // line 6: GENDER X is not in the table (reject)
      row('BR-GOOD-3'), // line 7
    ];
    drop(c.inbox, 'bad.csv', `${lines.join('\n')}\n`);
    await waitFor(() => existsSync(join(c.inbox, 'done', 'bad.csv')), 60_000, 'bad.csv in done/');
    drop(c.inbox, 'bad-marker.csv', `${HEADER}\n${row('BR-MARKER')}\n`);
    await delivered(c, 'BR-MARKER');
    for (const id of ['BR-GOOD-1', 'BR-GOOD-2', 'BR-GOOD-3']) expect((await patients(c, id)).emr, id).toHaveLength(1);
    for (const id of ['BR-COLUMNS', 'BR-DATE', 'BR-GENDER']) {
      const found = await patients(c, id);
      expect([...found.emr, ...found.central], id).toEqual([]);
    }
    const failedQueue = `medibus.${c.id}.failed`;
    await waitFor(async () => (await readyCount(connection, failedQueue)) >= 3, 30_000, 'three rows in the failed queue');
    const failed = (await take(connection, failedQueue, 3)).map((m) => headersOf(m));
    const where = failed.map((h) => `${String(h['medibus-file'])}:${String(h['medibus-line'])} ${String(h['medibus-error-code'])}`).sort();
    expect(where).toEqual(['bad.csv:3 MEDIBUS_ERR_CSV_ROW', 'bad.csv:5 MEDIBUS_ERR_MAPPING_RUNTIME', 'bad.csv:6 MEDIBUS_ERR_MAPPING_UNMAPPED_CODE']);
  }, 180_000);
});

describe('kill -9 during a 50,000-row CSV file', () => {
  it('after the restart every row is in both FHIR servers exactly once', async () => {
    const c = await csvChannel(4);
    let medibus = await c.start();
    const text = [HEADER, ...Array.from({ length: ROWS }, (_, i) => row(`K${i}`, '1980-01-02', i % 2 === 0 ? 'F' : 'M'))].join('\n');
    drop(c.inbox, 'big.csv', `${text}\n`);
    // killed mid-file: some rows delivered, the file not done
    await waitFor(() => count(c.servers.emr, 'Patient') >= 2000, 300_000, '2,000 rows delivered before the kill');
    expect(existsSync(join(c.inbox, 'done', 'big.csv'))).toBe(false);
    await medibus.kill9();
    medibus = await c.start();
    await waitFor(() => existsSync(join(c.inbox, 'done', 'big.csv')), 600_000, 'big.csv in done/ after the restart');
    for (const server of [c.servers.emr, c.servers.central]) {
      await waitFor(() => count(server, 'Patient') >= ROWS, 1_200_000, `${ROWS} patients in ${server.url}`).catch(() => undefined);
    }
    // redeliveries still in flight land before the count
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const server of [c.servers.emr, c.servers.central]) expect(count(server, 'Patient'), server.url).toBe(ROWS);
    for (const i of [0, 1999, 2000, ROWS - 1]) expect((await patients(c, `K${i}`)).central).toHaveLength(1);
  }, 1_800_000);
});
