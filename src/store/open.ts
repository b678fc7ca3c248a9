/**
 * The engine-level store settings, from the environment (docs/store.md):
 *
 *   MEDIBUS_STORE_URL        unset: embedded SQLite at <data dir>/store.db
 *                            sqlite:PATH             another SQLite file
 *                            postgres://user@host:5432/db[?schema=NAME]   PostgreSQL (several instances may share it)
 *                            off                     no store
 *   MEDIBUS_DATA_DIR         default ./data: the SQLite file, the spill files, the hash key
 *   MEDIBUS_STORE_HASH_KEY   64 hex characters; default a key generated into <data dir>/store-hash.key
 */
import path from 'node:path';
import { errorMessage, MedibusError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from './db.js';
import { hasher, hashKey } from './hash.js';
import { lazyStore } from './lazy.js';
import { openPostgres } from './pg-db.js';
import { retentionMs, startRetention } from './retention.js';
import { Spill } from './spill.js';
import { SqlStore } from './sql-store.js';
import { openSqlite } from './sqlite-db.js';
import type { ChannelStoreSettings, ContentMode, ContentSealer, MessageStore, StoreWriter } from './types.js';
import { BatchingWriter, type WriterOptions } from './writer.js';

export type StoreLocation =
  | { readonly backend: 'off' }
  | { readonly backend: 'sqlite'; readonly file: string }
  | { readonly backend: 'postgres'; readonly url: string; readonly schema?: string };

export interface StoreSettings {
  readonly location: StoreLocation;
  readonly dataDir: string;
  readonly hashKey?: string;
}

export function storeSettingsFromEnv(env: NodeJS.ProcessEnv, cwd = process.cwd()): StoreSettings {
  const dataDir = path.resolve(cwd, env['MEDIBUS_DATA_DIR'] || 'data');
  const url = (env['MEDIBUS_STORE_URL'] ?? '').trim();
  const key = env['MEDIBUS_STORE_HASH_KEY'];
  const base = { dataDir, ...(key ? { hashKey: key } : {}) };
  if (url === '') return { ...base, location: { backend: 'sqlite', file: path.join(dataDir, 'store.db') } };
  if (url === 'off' || url === 'none') return { ...base, location: { backend: 'off' } };
  if (url.startsWith('sqlite:')) return { ...base, location: { backend: 'sqlite', file: path.resolve(cwd, url.slice('sqlite:'.length)) } };
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'MEDIBUS_STORE_URL is not a valid URL');
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return { ...base, location: { backend: 'postgres', url: parsed.toString(), ...(schema ? { schema } : {}) } };
  }
  throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'MEDIBUS_STORE_URL must be postgres://…, sqlite:PATH or off');
}

/** Opens the backend and migrates it; undefined when the store is off. */
export async function openStore(settings: StoreSettings, sealer?: ContentSealer): Promise<MessageStore | undefined> {
  const loc = settings.location;
  if (loc.backend === 'off') return undefined;
  const hash = hasher(hashKey({ ...(settings.hashKey ? { envKey: settings.hashKey } : {}), dataDir: settings.dataDir }));
  try {
    const db: Db = loc.backend === 'sqlite' ? openSqlite(loc.file) : await openPostgres({ url: loc.url, ...(loc.schema ? { schema: loc.schema } : {}) });
    return await SqlStore.open(db, hash, sealer);
  } catch (error) {
    if (error instanceof MedibusError) throw error;
    // never the URL in the message: it may carry a password
    throw new MedibusError('MEDIBUS_ERR_STORE_UNAVAILABLE', `cannot open the message store (${loc.backend}): ${errorMessage(error)}`, { cause: error });
  }
}

/** A channel's `store:` block (config) → settings; absent = full, 30 days. */
export function channelStoreSettings(store: { readonly content: ContentMode; readonly retention: string } | undefined): ChannelStoreSettings {
  return { content: store?.content ?? 'full', retentionMs: retentionMs(store?.retention ?? '30d') };
}

/**
 * The store of `medibus start`: opened from the settings, or when the database is away, a store
 * that opens once it is reachable (lazy.ts); undefined when MEDIBUS_STORE_URL=off.
 */
export async function startStore(settings: StoreSettings, channels: ReadonlyMap<string, ChannelStoreSettings>, log: Logger, sealer?: ContentSealer): Promise<StoreRuntime | undefined> {
  const loc = settings.location;
  if (loc.backend === 'off') return undefined;
  let store: MessageStore;
  try {
    store = (await openStore(settings, sealer))!;
  } catch (error) {
    if (!(error instanceof MedibusError) || error.code !== 'MEDIBUS_ERR_STORE_UNAVAILABLE') throw error;
    log.warn({ event: 'store-unavailable', backend: loc.backend, error: error.message }, 'message store not reachable at start; messages flow, their history is written once it is');
    store = lazyStore(loc.backend, async () => (await openStore(settings, sealer))!);
  }
  log.info({ event: 'store-open', backend: loc.backend, ...(loc.backend === 'sqlite' ? { file: loc.file } : {}) }, 'message store open');
  return startStoreRuntime({ store, dataDir: settings.dataDir, log, channels });
}

/** What the engine runs: the store, its writer and retention, closed together. */
export interface StoreRuntime {
  readonly store: MessageStore;
  readonly writer: StoreWriter;
  close(): Promise<void>;
}

export interface StoreRuntimeOptions {
  readonly store: MessageStore;
  readonly dataDir: string;
  readonly log: Logger;
  readonly channels: ReadonlyMap<string, ChannelStoreSettings>;
  readonly writer?: Partial<Omit<WriterOptions, 'store' | 'spill' | 'log' | 'settings'>>;
  readonly retentionIntervalMs?: number;
}

export async function startStoreRuntime(o: StoreRuntimeOptions): Promise<StoreRuntime> {
  // one spill directory per backend location would be nicer; per data dir is what an instance owns
  const spill = new Spill(path.join(o.dataDir, 'store-spill'));
  const leftover = await spill.init();
  if (leftover > 0) o.log.info({ event: 'store-spill-found', writes: leftover }, 'message history spilled by an earlier run is being written to the store');
  const fallback: ChannelStoreSettings = { content: 'full', retentionMs: retentionMs('30d') };
  const writer = new BatchingWriter({ ...o.writer, store: o.store, spill, log: o.log, settings: (c) => o.channels.get(c) ?? fallback });
  const stopRetention = startRetention({ store: o.store, channels: () => o.channels, log: o.log, ...(o.retentionIntervalMs ? { intervalMs: o.retentionIntervalMs } : {}) });
  return {
    store: o.store,
    writer,
    async close() {
      await stopRetention();
      await writer.close();
      await spill.release();
      await o.store.close();
    },
  };
}
