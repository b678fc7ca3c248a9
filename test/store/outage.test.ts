/**
 * Issue 11's proof: the store unreachable for 30 s during a stream. A real PostgreSQL sits
 * behind a TCP proxy the test controls; the engine runs a channel (MLLP in, mapping, a file
 * destination) with the store behind the proxy. For 15 s the proxy passes no bytes (a hung
 * network), then for 15 s it refuses connections. Every message is still acknowledged and
 * delivered; afterwards every status event is in the store, none twice.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { channelStoreSettings, openStore, startStoreRuntime, type StoreRuntime } from '../../src/store/open.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { adt, captureLog, sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir } from '../support/process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { ROOT } from '../mapping/support.js';
import { dropSchema, HASH_KEY, tempDir, uniqueSchema } from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

it('keeps acknowledging and delivering while PostgreSQL is away for 30 s, then stores every status event', async () => {
  const amqpUrl = await brokerUrl();
  const id = uniqueId('store-outage');
  const output = path.join('/tmp', `${id}.ndjson`);
  cleanups.push(() => rm(output, { force: true }));
  const dir = await channelsDir({
    'adt.yaml': `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: 0 }
transform: { mapping: adt }
store: { content: metadata }
destinations:
  - { name: out, type: file, path: ${JSON.stringify(output)}, payload: hl7 }
`,
  });
  cleanups.push(() => dir.remove());
  const { channels } = await loadChannels(dir.dir);

  const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
  cleanups.push(() => proxy.close());
  const schema = uniqueSchema();
  cleanups.push(() => dropSchema(schema));
  const dataDir = await tempDir();
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const store = (await openStore({ location: { backend: 'postgres', url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, schema }, dataDir, hashKey: HASH_KEY }))!;
  const { log, entries } = captureLog();
  // a small memory bound, so the outage also goes through the spill file
  const runtime: StoreRuntime = await startStoreRuntime({
    store,
    dataDir,
    log,
    channels: new Map([[id, channelStoreSettings({ content: 'metadata', retention: '30d' })]]),
    writer: { maxQueued: 100, flushDelayMs: 50, maxRetryDelayMs: 1000 },
  });
  let running: RunningEngine | undefined = await startEngine({ channels, amqpUrl, log, mappingsDir: path.join(ROOT, 'mappings'), store: runtime });
  cleanups.push(async () => running?.stop());
  const port = running.port(id);

  const sent: string[] = [];
  const send = async (): Promise<void> => {
    const controlId = `${id}-${sent.length}`;
    sent.push(controlId);
    expect(await sendOne(port, adt(controlId, `MRN-${sent.length % 7}`))).toMatch(/MSA\|(AA|CA)\|/);
  };
  for (let i = 0; i < 20; i++) await send();

  proxy.stall();
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(100)) await send();
  proxy.down();
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(100)) await send();
  const during = runtime.writer.stats();

  // delivered while the store was away
  await waitFor(async () => (await readFile(output, 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= sent.length, 30_000, 'every message delivered');
  expect(during.healthy).toBe(false);
  expect(during.spilled).toBeGreaterThan(0);
  expect(during.dropped).toBe(0);

  proxy.up();
  await waitFor(async () => {
    const s = runtime.writer.stats();
    return s.healthy && s.queued === 0 && s.spilled === 0 && ((await store.counters().catch(() => ({})) as Record<string, { sent?: number }>)[id]?.sent ?? 0) >= sent.length;
  }, 60_000, 'the store caught up');
  const counters = (await store.counters())[id]!;
  expect(counters).toEqual({ received: sent.length, transformed: sent.length, sent: sent.length });
  for (const controlId of [sent[0]!, sent[Math.floor(sent.length / 2)]!, sent.at(-1)!]) {
    const [summary] = (await store.search({ sourceId: controlId })).items;
    expect(summary).toMatchObject({ channel: id, status: 'sent', destinations: { out: 'sent' } });
    const detail = (await store.message(summary!.messageId))!;
    expect(detail.timeline.map((e) => e.status)).toEqual(['received', 'transformed', 'sent']);
  }
  expect((await store.search({ channel: id, patientId: 'MRN-3', limit: 500 })).items.length).toBe(sent.filter((_, i) => (i + 1) % 7 === 3).length);
  expect(entries.some((e) => e['event'] === 'store-unavailable')).toBe(true);
  expect(entries.some((e) => e['event'] === 'store-available')).toBe(true);
  await running.stop();
  running = undefined;
}, 180_000);
