/**
 * The batch writer off the message path, against a real PostgreSQL behind a TCP proxy:
 * medibus starting while the database is away, writes spilled to disk, a stop before the
 * database came back, and the next start catching up from the spill file.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { StatusBus } from '../../src/status/events.js';
import { lazyStore } from '../../src/store/lazy.js';
import { channelStoreSettings, openStore, startStoreRuntime, type StoreSettings } from '../../src/store/open.js';
import { uuidv7 } from '../../src/util/ids.js';
import { waitFor } from '../support/engine.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { dropSchema, HASH_KEY, tempDir, uniqueSchema } from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const log = createLogger({ level: 'silent' });

it('spills while the store is away, keeps the spill over a restart, and catches up when the store returns', async () => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
  cleanups.push(() => proxy.close());
  const schema = uniqueSchema();
  cleanups.push(() => dropSchema(schema));
  const dataDir = await tempDir();
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const settings: StoreSettings = { location: { backend: 'postgres', url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, schema }, dataDir, hashKey: HASH_KEY };
  const channels = new Map([['adt', channelStoreSettings({ content: 'full', retention: '30d' })]]);
  const start = (): Promise<Awaited<ReturnType<typeof startStoreRuntime>>> =>
    startStoreRuntime({ store: lazyStore('postgres', async () => (await openStore(settings))!, 100), dataDir, log, channels, writer: { maxQueued: 50, flushDelayMs: 20, maxRetryDelayMs: 200 } });

  proxy.down();
  const first = await start();
  // a second instance on the same data directory would share the spill files
  await expect(start()).rejects.toMatchObject({ code: 'MEDIBUS_ERR_STORE_CONFIG' });
  const bus = new StatusBus();
  bus.on((e) => first.writer.event(e));
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const messageId = uuidv7();
    ids.push(messageId);
    bus.emit({ status: 'received', channel: 'adt', messageId, controlId: `C-${i}`, messageType: 'ADT^A01' });
    first.writer.content({ messageId, channel: 'adt', at: new Date(), kind: 'hl7v2', contentType: 'application/hl7-v2', payload: Buffer.from(`MSH|…|C-${i}`), patientIds: [`P-${i % 10}`] });
  }
  await waitFor(() => first.writer.stats().failedBatches > 0, 10_000, 'a failed write');
  expect(first.writer.stats()).toMatchObject({ healthy: false, dropped: 0 });
  expect(first.writer.stats().spilled).toBeGreaterThan(0);
  expect(first.writer.stats().queued + first.writer.stats().spilled).toBe(600);
  await first.writer.close(300);
  expect(first.writer.stats()).toMatchObject({ queued: 0, spilled: 600 });
  await first.close();
  expect((await readdir(path.join(dataDir, 'store-spill'))).filter((f) => f.endsWith('.ndjson')).length).toBeGreaterThan(0);

  proxy.up();
  const second = await start();
  cleanups.push(() => second.close());
  await waitFor(() => second.writer.stats().written === 600, 30_000, 'the spill caught up');
  expect(second.writer.stats()).toMatchObject({ healthy: true, queued: 0, spilled: 0, dropped: 0 });
  expect((await second.store.counters())['adt']).toEqual({ received: 300 });
  const m = (await second.store.message(ids[123]!))!;
  expect(m).toMatchObject({ sourceId: 'C-123', status: 'received', hasContent: true });
  expect(m.payload?.toString()).toBe('MSH|…|C-123');
  expect((await second.store.search({ patientId: 'P-3', limit: 100 })).items).toHaveLength(30);
  expect((await readdir(path.join(dataDir, 'store-spill'))).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
}, 60_000);
