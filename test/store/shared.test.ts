/**
 * Several instances, one PostgreSQL (issue 11): two engines run the same channel (they share
 * its queues, so either may transform or deliver a message the other received), each with its
 * own store runtime and data directory on one database. Each sees every message, with the
 * whole history whichever instance wrote it.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { channelStoreSettings, openStore, startStoreRuntime } from '../../src/store/open.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { adt, sendOne, startEngine, waitFor } from '../support/engine.js';
import { channelsDir } from '../support/process.js';
import { ROOT } from '../mapping/support.js';
import { dropSchema, HASH_KEY, PG_URL, tempDir, uniqueSchema } from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

it('two engines sharing one PostgreSQL see each other\'s messages and histories', async () => {
  const amqpUrl = await brokerUrl();
  const id = uniqueId('store-shared');
  const output = path.join('/tmp', `${id}.ndjson`);
  cleanups.push(() => rm(output, { force: true }));
  const dir = await channelsDir({
    'adt.yaml': `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: 0 }
transform: { mapping: adt }
destinations:
  - { name: out, type: file, path: ${JSON.stringify(output)}, payload: hl7 }
`,
  });
  cleanups.push(() => dir.remove());
  const { channels } = await loadChannels(dir.dir);
  const schema = uniqueSchema();
  cleanups.push(() => dropSchema(schema));

  const instance = async (name: string) => {
    const dataDir = await tempDir();
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = (await openStore({ location: { backend: 'postgres', url: PG_URL, schema }, dataDir, hashKey: HASH_KEY }))!;
    const runtime = await startStoreRuntime({
      store, dataDir, log: createLogger({ level: 'silent' }),
      channels: new Map([[id, channelStoreSettings(undefined)]]),
      writer: { instance: name, flushDelayMs: 20 },
    });
    const running = await startEngine({ channels, amqpUrl, mappingsDir: path.join(ROOT, 'mappings'), store: runtime });
    return { store, running };
  };
  const a = await instance('a');
  const b = await instance('b');
  // b stops first without removing the shared queues; a's stop removes them
  cleanups.push(() => a.running.stop());
  cleanups.push(() => b.running.engine.stop());

  const sent: { controlId: string; via: 'a' | 'b' }[] = [];
  for (let i = 0; i < 10; i++) {
    for (const [via, e] of [['a', a], ['b', b]] as const) {
      const controlId = `${id}-${via}-${i}`;
      sent.push({ controlId, via });
      expect(await sendOne(e.running.port(id), adt(controlId, `MRN-${i}`))).toMatch(/MSA\|(AA|CA)\|/);
    }
  }
  await waitFor(async () => (await readFile(output, 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= sent.length, 30_000, 'delivered');
  await waitFor(async () => ((await a.store.counters())[id]?.sent ?? 0) >= sent.length, 30_000, 'histories stored');

  for (const [reader, other] of [[a, 'b'], [b, 'a']] as const) {
    const page = await reader.store.search({ channel: id, limit: 100 });
    expect(page.items.map((m) => m.sourceId).sort()).toEqual(sent.map((s) => s.controlId).sort());
    const theirs = sent.find((s) => s.via === other)!;
    const [summary] = (await reader.store.search({ sourceId: theirs.controlId })).items;
    const detail = (await reader.store.message(summary!.messageId))!;
    expect(detail.timeline.map((e) => e.status)).toEqual(['received', 'transformed', 'sent']);
    expect(detail.timeline[0]!.instance).toBe(other);
    expect(detail.payload?.toString('utf8')).toContain(theirs.controlId);
    expect((await reader.store.search({ patientId: 'MRN-3', channel: id })).items).toHaveLength(2);
  }
  expect((await a.store.counters())[id]).toEqual({ received: 20, transformed: 20, sent: 20 });
}, 90_000);
