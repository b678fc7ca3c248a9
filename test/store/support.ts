/**
 * Stores for tests on the real databases: SQLite in a temporary directory, PostgreSQL
 * (MEDIBUS_TEST_PG_URL, default the local test database) in a schema of its own, dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type StoreSettings } from '../../src/store/open.js';
import type { ContentSealer, MessageStore } from '../../src/store/types.js';

export const PG_URL = process.env['MEDIBUS_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const HASH_KEY = 'a1'.repeat(32);

export interface TestStore {
  readonly store: MessageStore;
  readonly settings: StoreSettings;
  /** closes the store, drops the schema / removes the directory */
  cleanup(): Promise<void>;
}

export type Backend = 'sqlite' | 'postgres';

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'medibus-store-'));
}

export function uniqueSchema(): string {
  return `medibus_t_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string, url = PG_URL): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export function settingsFor(backend: Backend, dataDir: string, schema: string, url = PG_URL): StoreSettings {
  return backend === 'sqlite'
    ? { location: { backend: 'sqlite', file: path.join(dataDir, 'store.db') }, dataDir, hashKey: HASH_KEY }
    : { location: { backend: 'postgres', url, schema }, dataDir, hashKey: HASH_KEY };
}

export async function openTestStore(backend: Backend, sealer?: ContentSealer): Promise<TestStore> {
  const dataDir = await tempDir();
  const schema = uniqueSchema();
  const settings = settingsFor(backend, dataDir, schema);
  const store = (await openStore(settings, sealer))!;
  let closed = false;
  return {
    store,
    settings,
    async cleanup() {
      if (!closed) await store.close();
      closed = true;
      if (backend === 'postgres') await dropSchema(schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
