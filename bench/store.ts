/**
 * `npm run bench -- store`: the message store on both backends (issue 11 performance).
 *
 *  1. writes/s: messages of three events each (received, transformed, sent) plus content in
 *     metadata mode, through MessageStore.write in the batches the writer uses (500 writes),
 *     over the first BENCH_STORE_MEASURED messages (default 30,000); the rest is loaded in SQL;
 *  2. search p50/p99 over BENCH_STORE_MESSAGES stored messages (default 1,000,000: 30 days,
 *     10 channels, 100,000 patients), for the searches an operator makes in the browser.
 *
 * SQLite in a temporary directory; PostgreSQL in a schema of its own (BENCH_PG_URL, default
 * the local test database), dropped afterwards. `BENCH_STORE_BACKENDS=sqlite` for one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type StoreSettings } from '../src/store/open.js';
import type { MessageQuery, MessageStore, StoreWrite } from '../src/store/types.js';
import type { MessageStatus } from '../src/status/events.js';
import { uuidv7 } from '../src/util/ids.js';
import { loadPostgres, loadSqlite } from './store-load.js';

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = Number(process.env['BENCH_STORE_MESSAGES'] ?? 1_000_000);
const CHANNELS = Array.from({ length: 10 }, (_, i) => `channel-${i}`);
const TYPES = ['ADT^A01', 'ADT^A08', 'ADT^A03', 'ORU^R01', 'ORM^O01'];
const DAY = 86_400_000;
/** messages written through the store to measure writes/s; the rest are loaded in SQL (store-load.ts) */
const MEASURED = Number(process.env['BENCH_STORE_MEASURED'] ?? 30_000);

const load = (): string => `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

let seq = 0;
/** one message: its three events and its content (patient id hashed), spread over 30 days before `now` */
function message(i: number, now: number): StoreWrite[] {
  const at = now - 30 * DAY + Math.floor((i / TOTAL) * 30 * DAY);
  const id = uuidv7(at);
  const channel = CHANNELS[i % CHANNELS.length]!;
  const r = (i * 2654435761) % 1000;
  const last: MessageStatus = r < 10 ? 'errored' : r < 15 ? 'dead-lettered' : r < 20 ? 'filtered' : 'sent';
  const base = { channel, messageId: id, sourceId: `CTRL-${i}`, messageType: TYPES[i % TYPES.length]!, kind: 'hl7v2' as const };
  const ev = (status: MessageStatus, dt: number, extra = {}): StoreWrite => ({ type: 'event', id: `b${++seq}`, event: { ...base, status, at: new Date(at + dt), ...extra } });
  const out = [ev('received', 0)];
  if (last === 'errored' || last === 'filtered') out.push(ev(last, 3, { code: 'MEDIBUS_ERR_MAPPING_RUNTIME' }));
  else out.push(ev('transformed', 3), ev(last, 9, { destination: 'emr', attempt: 1 }));
  out.push({ type: 'content', mode: 'metadata', content: { messageId: id, channel, at: new Date(at + 3), patientIds: [`MRN-${i % 100_000}`] } });
  return out;
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** The first MEASURED messages through MessageStore.write in the writer's batches of 500 writes. */
async function fill(store: MessageStore, now: number, measured: number): Promise<{ messagesPerSecond: number; writesPerSecond: number }> {
  let writes = 0;
  const started = performance.now();
  let batch: StoreWrite[] = [];
  for (let i = 0; i < measured; i++) {
    batch.push(...message(i, now));
    if (batch.length >= 500 || i === measured - 1) {
      writes += batch.length;
      await store.write(batch);
      batch = [];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { messagesPerSecond: measured / seconds, writesPerSecond: writes / seconds };
}

function queries(now: number): Record<string, (k: number) => MessageQuery> {
  const pick = <T>(xs: readonly T[], k: number): T => xs[k % xs.length]!;
  return {
    'newest page': () => ({}),
    'channel': (k) => ({ channel: pick(CHANNELS, k) }),
    'channel + errored': (k) => ({ channel: pick(CHANNELS, k), status: 'errored' }),
    'destination + dead-lettered': () => ({ destination: 'emr', status: 'dead-lettered' }),
    'destination, 1 hour': (k) => ({ destination: 'emr', from: new Date(now - 5 * DAY + k * 60_000), to: new Date(now - 5 * DAY + k * 60_000 + 3_600_000) }),
    'control id': (k) => ({ sourceId: `CTRL-${(k * 7919) % TOTAL}` }),
    'patient id': (k) => ({ patientId: `MRN-${(k * 104729) % 100_000}` }),
    'type + channel': (k) => ({ channel: pick(CHANNELS, k), messageType: pick(TYPES, k) }),
    'type + channel, none match': (k) => ({ channel: pick(CHANNELS, k), messageType: pick(TYPES, k + 1) }),
    'one hour, 10 days ago': (k) => ({ from: new Date(now - 10 * DAY + k * 60_000), to: new Date(now - 10 * DAY + k * 60_000 + 3_600_000) }),
    'errored, 2 days': (k) => ({ status: 'errored', from: new Date(now - 2 * DAY - k * 60_000), to: new Date(now - k * 60_000) }),
  };
}

async function searchLatency(store: MessageStore, now: number, rounds = 200): Promise<{ rows: string[]; all: number[] }> {
  const rows: string[] = [];
  const all: number[] = [];
  for (const [name, make] of Object.entries(queries(now))) {
    const times: number[] = [];
    let found = 0;
    for (let k = 0; k < rounds; k++) {
      const t = performance.now();
      const page = await store.search({ ...make(k), limit: 50 });
      // the second page too for a third of them: cursors must be as fast as the first page
      if (k % 3 === 0 && page.next) await store.search({ ...make(k), limit: 50, cursor: page.next });
      times.push(performance.now() - t);
      found += page.items.length;
    }
    all.push(...times);
    rows.push(`  ${name.padEnd(30)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(times, 99).toFixed(1).padStart(6)} ms   (${(found / rounds).toFixed(0)} rows/page)`);
  }
  return { rows, all };
}

async function runOne(backend: 'sqlite' | 'postgres'): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'medibus-bench-store-'));
  const schema = `medibus_bench_${process.pid}`;
  const settings: StoreSettings = backend === 'sqlite'
    ? { location: { backend: 'sqlite', file: path.join(dataDir, 'store.db') }, dataDir, hashKey: 'b2'.repeat(32) }
    : { location: { backend: 'postgres', url: PG_URL, schema }, dataDir, hashKey: 'b2'.repeat(32) };
  const store = (await openStore(settings))!;
  try {
    const now = Date.now();
    const measured = Math.min(TOTAL, MEASURED);
    const w = await fill(store, now, measured);
    process.stdout.write(`${backend}: ${Math.round(w.writesPerSecond)} writes/s in batches of 500 (${Math.round(w.messagesPerSecond)} messages/s of 3 events + metadata), over ${measured} messages (${load()})\n`);
    const t = performance.now();
    const spec = { from: measured, to: TOTAL, total: TOTAL, now, hashKey: settings.hashKey! };
    if (TOTAL > measured) {
      if (backend === 'sqlite') loadSqlite(path.join(dataDir, 'store.db'), spec);
      else await loadPostgres(PG_URL, schema, spec);
    }
    process.stdout.write(`${backend}: loaded to ${TOTAL} messages in SQL (${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
    const s = await searchLatency(store, now);
    process.stdout.write(`${backend}: search over ${TOTAL} messages, 50 per page\n${s.rows.join('\n')}\n`);
    process.stdout.write(`${backend}: all searches p50 ${percentile(s.all, 50).toFixed(1)} ms, p99 ${percentile(s.all, 99).toFixed(1)} ms (target < 100 ms; ${load()})\n`);
  } finally {
    await store.close();
    if (backend === 'postgres') {
      const c = new pg.Client(PG_URL);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runStoreBench(): Promise<void> {
  const wanted = (process.env['BENCH_STORE_BACKENDS'] ?? 'sqlite,postgres').split(',');
  for (const backend of ['sqlite', 'postgres'] as const) if (wanted.includes(backend)) await runOne(backend);
}
