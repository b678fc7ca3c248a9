/**
 * Development FHIR server benchmark: transaction Bundles per second, each entry a conditional
 * update keyed on identifier (`PUT Type?identifier=system|value`) with urn:uuid references
 * between entries, as medibus's mappings produce them. Bundles of 5 and 35 entries (an ADT; an
 * ORU with 33 results), against 1,000 and 100,000 stored resources, in two modes:
 *   update — every entry matches a stored resource (the store keeps its size);
 *   create — the Patient matches, every other entry is new (the store grows).
 * Rows "in-process" call fastify's inject() (no socket); "medplum runs tx" has medplum's
 * BatchProcessor run the prepared transaction instead of transaction-run.ts. Rows "http" post
 * over keep-alive connections to the server in a child process, and give the server's CPU time
 * per transaction as the rate of one core. The medplum rows are FhirRouter with its own
 * MemoryRepository (no index, no validation): its scan makes conditional updates cost
 * O(stored), and it refuses transactions of more than 8 conditional entries.
 *
 *   npx tsx bench/fhir-server.ts [seconds-per-row]       (BENCH_QUICK=1: shorter, 1k only)
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseSearchRequest } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { buildFhirServer } from '../src/fhir-server/app.js';
import { loadFhirDefinitions } from '../src/fhir-server/definitions.js';
import { MedibusRepository, startFhirServer } from '../src/fhir-server/index.js';
import { uuidv5 } from '../src/util/ids.js';

export interface FhirBenchRow {
  readonly server: string;
  readonly stored: number;
  readonly entries: number;
  readonly mode: 'update' | 'create';
  readonly perSecond: number;
}

/** The n-entry transaction of message `no`: Patient P<no>, Encounter, n-2 Observations. */
export function transactionBundle(no: number, entries: number, patient = no): Bundle {
  const urn = (what: string): string => `urn:uuid:${uuidv5(`bench/${no}/${what}`)}`;
  const put = (resource: BundleEntry['resource'] & { identifier: { system: string; value: string }[] }, fullUrl: string): BundleEntry => {
    const [{ system, value }] = resource.identifier as [{ system: string; value: string }];
    return { fullUrl, resource, request: { method: 'PUT', url: `${resource.resourceType}?identifier=${system}|${value}` } };
  };
  const patientUrn = urn('patient');
  const encounterUrn = urn('encounter');
  const list: BundleEntry[] = [
    put({ resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.840.99.1', value: `P${patient}` }], name: [{ family: 'Nguyễn', given: ['Thị', 'Ánh'] }], gender: 'female', birthDate: '1990-02-14' }, patientUrn),
    put({ resourceType: 'Encounter', identifier: [{ system: 'urn:oid:1.2.840.99.2', value: `V${no}` }], status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' }, subject: { reference: patientUrn } }, encounterUrn),
  ];
  for (let i = 0; list.length < entries; i++) {
    list.push(
      put(
        {
          resourceType: 'Observation',
          identifier: [{ system: 'urn:oid:1.2.840.99.3', value: `O${no}-${i}` }],
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }] },
          subject: { reference: patientUrn },
          encounter: { reference: encounterUrn },
          effectiveDateTime: '2024-03-12T08:35:12-05:00',
          valueQuantity: { value: 5.4 + i, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
          referenceRange: [{ text: '3.9-6.1' }],
        },
        urn(`obs${i}`),
      ),
    );
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: list };
}

/** Stores `stored` resources as messages 0…k-1 of n entries; returns k. */
export async function preload(app: FastifyInstance, stored: number, entries: number): Promise<number> {
  const messages = Math.ceil(stored / entries);
  for (let no = 0; no < messages; no++) {
    const reply = await app.inject({ method: 'POST', url: '/fhir', payload: transactionBundle(no, entries), headers: { prefer: 'return=minimal' } });
    if (reply.statusCode !== 200) throw new Error(`preload failed: ${reply.statusCode} ${reply.body.slice(0, 300)}`);
  }
  return messages;
}

/** the bodies a row posts: updates of stored messages, or new messages of stored patients */
function bodies(mode: FhirBenchRow['mode'], messages: number, entries: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const no = mode === 'update' ? (i * 7919) % messages : messages + i;
    return JSON.stringify(transactionBundle(no, entries, no % messages));
  });
}

async function timed(seconds: number, body: (i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let done = 0;
  while (performance.now() < end) await body(done++);
  return done / ((performance.now() - start) / 1000);
}

async function inProcessRow(stored: number, entries: number, mode: FhirBenchRow['mode'], seconds: number, transactions: 'direct' | 'medplum' = 'direct'): Promise<FhirBenchRow> {
  const app = buildFhirServer({ transactions });
  const messages = await preload(app, stored, entries);
  const posted = bodies(mode, messages, entries, 4000);
  const headers = { 'content-type': 'application/fhir+json', prefer: 'return=minimal' };
  const perSecond = await timed(seconds, async (i) => {
    const reply = await app.inject({ method: 'POST', url: '/fhir', payload: posted[i % posted.length]!, headers });
    if (reply.statusCode !== 200) throw new Error(`${reply.statusCode} ${reply.body.slice(0, 300)}`);
  });
  await app.close();
  const server = transactions === 'direct' ? 'medibus in-process' : 'medibus in-process, medplum runs tx';
  return { server, stored, entries, mode, perSecond };
}

/**
 * Over HTTP: the server in a child process, `connections` clients each waiting for its answer.
 * On a shared machine the client competes with the server for CPU, so the row also gives the
 * server's own CPU time per transaction, as the rate one core would sustain.
 */
async function httpRow(stored: number, entries: number, mode: FhirBenchRow['mode'], seconds: number, connections = 8): Promise<FhirBenchRow[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(stored), String(entries)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  const reply = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (message) => resolve(message as T));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
  const { url, messages } = await reply<{ url: string; messages: number }>();
  const posted = bodies(mode, messages, entries, 4000);
  let next = 0;
  let done = 0;
  child.send('start');
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const response = await fetch(url, { method: 'POST', body: posted[next++ % posted.length], headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' } });
      if (response.status !== 200) throw new Error(`${response.status} ${(await response.text()).slice(0, 300)}`);
      await response.arrayBuffer();
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const perSecond = done / ((performance.now() - start) / 1000);
  const waiting = reply<{ cpuMicros: number }>();
  child.send('stop');
  const { cpuMicros } = await waiting;
  child.kill('SIGTERM');
  return [
    { server: `medibus http ×${connections} (measured)`, stored, entries, mode, perSecond },
    { server: 'medibus http (server CPU, 1 core)', stored, entries, mode, perSecond: (done * 1e6) / cpuMicros },
  ];
}

/** Stores `stored` resources straight into a repository (no transaction, no search). */
async function fill(repo: MemoryRepository, stored: number): Promise<void> {
  for (let no = 0; no * 5 < stored; no++) {
    for (const entry of transactionBundle(no, 5).entry ?? []) if (entry.resource !== undefined) await repo.createResource(entry.resource);
  }
}

/** µs per `identifier=system|value` search: medplum's scan against the index. */
export async function searchRow(stored: number, repo: MemoryRepository, label: string): Promise<string> {
  loadFhirDefinitions();
  await fill(repo, stored);
  const search = (i: number) =>
    repo.search(parseSearchRequest(`Observation?identifier=urn:oid:1.2.840.99.3|O${(i * 7919) % Math.ceil(stored / 5)}-1`));
  let n = 0;
  const start = performance.now();
  while (n < 1 || (performance.now() - start < 2000 && n < 100_000)) {
    const found = await search(n++);
    if (found.entry?.length !== 1) throw new Error('search found nothing');
  }
  const micros = ((performance.now() - start) * 1000) / n;
  return `${label.padEnd(36)} ${String(stored).padStart(7)} stored  ${micros.toFixed(1).padStart(10)} µs per identifier search`;
}

/** medplum alone: FhirRouter + MemoryRepository, transactions enabled, no index, no validation. */
async function medplumRow(stored: number, entries: number, seconds: number): Promise<FhirBenchRow | string> {
  loadFhirDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  await fill(repo, stored);
  const post = async (bundle: Bundle): Promise<void> => {
    const [outcome] = await router.handleRequest({ method: 'POST', url: '', pathname: '', params: {}, query: {}, body: bundle, config: { transactions: true } }, repo);
    if (outcome.id !== 'ok') throw new Error(outcome.issue?.[0]?.details?.text ?? JSON.stringify(outcome));
  };
  const messages = Math.ceil(stored / 5);
  try {
    const perSecond = await timed(seconds, async (i) => post(transactionBundle((i * 7919) % messages, entries)));
    return { server: 'medplum FhirRouter+MemoryRepository', stored, entries, mode: 'update', perSecond };
  } catch (error) {
    return `${'medplum FhirRouter+MemoryRepository'.padEnd(36)} ${String(stored).padStart(7)} stored  ${String(entries).padStart(2)} entries  refused: ${(error as Error).message}`;
  }
}

export async function runFhirServerBench(seconds = Number(process.env.BENCH_SECONDS ?? 5)): Promise<FhirBenchRow[]> {
  const quick = process.env.BENCH_QUICK === '1';
  const sizes = quick ? [1000] : [1000, 100_000];
  const rows: FhirBenchRow[] = [];
  const emit = (row: FhirBenchRow | string): void => {
    if (typeof row === 'string') {
      process.stdout.write(`${row}\n`);
      return;
    }
    rows.push(row);
    process.stdout.write(`${row.server.padEnd(36)} ${String(row.stored).padStart(7)} stored  ${String(row.entries).padStart(2)} entries  ${row.mode.padEnd(6)} ${row.perSecond.toFixed(0).padStart(6)} tx/s  ${(row.perSecond * row.entries).toFixed(0).padStart(7)} entries/s\n`);
  };
  for (const stored of quick ? [1000, 10_000] : [1000, 10_000, 100_000]) {
    emit(await searchRow(stored, new MemoryRepository(), 'medplum MemoryRepository (scan)'));
    emit(await searchRow(stored, new MedibusRepository({ validation: 'off' }), 'medibus MedibusRepository (index)'));
  }
  emit(await medplumRow(1000, 5, Math.min(seconds, 3)));
  emit(await medplumRow(1000, 35, Math.min(seconds, 3)));
  for (const stored of sizes) {
    for (const entries of [5, 35]) {
      for (const mode of ['update', 'create'] as const) emit(await inProcessRow(stored, entries, mode, seconds));
      if (stored === sizes[0]) emit(await inProcessRow(stored, entries, 'update', seconds, 'medplum'));
      for (const row of await httpRow(stored, entries, 'update', seconds)) emit(row);
    }
  }
  return rows;
}

async function serve(stored: number, entries: number): Promise<void> {
  const server = await startFhirServer({ port: 0 });
  const app = buildFhirServer({ repository: server.repository });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const messages = await preload(app, stored, entries);
  gc?.();
  const grown = process.memoryUsage().heapUsed - before;
  process.stderr.write(`  (server: ${stored} resources take ${(grown / 1024 / 1024).toFixed(0)} MiB of heap, ${(grown / stored / 1024).toFixed(1)} KiB each)\n`);
  let cpu = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'start') cpu = process.cpuUsage();
    if (message === 'stop') {
      const used = process.cpuUsage(cpu);
      process.send?.({ cpuMicros: used.user + used.system });
    }
  });
  process.send?.({ url: server.url, messages });
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, a, b] = process.argv.slice(2);
  if (flag === '--serve') await serve(Number(a), Number(b));
  else await runFhirServerBench(flag === undefined ? undefined : Number(flag));
}
