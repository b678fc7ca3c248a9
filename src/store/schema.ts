/**
 * Versioned schema migrations, applied at open in one transaction each. PostgreSQL takes an
 * advisory lock first, so two instances starting together do not both migrate. A database
 * that holds a newer version than this code knows is refused (MEDIBUS_ERR_STORE_SCHEMA).
 *
 * Times are epoch milliseconds (BIGINT), flags 0/1: the same values on both backends.
 * Message ids are UUIDv7 (src/util/ids.ts), so `ORDER BY id` is arrival order and every index
 * that ends in `id` also serves time ranges and cursors (read.ts).
 */
import { MedibusError } from '../errors.js';
import type { Db, Queryable } from './db.js';

type Dialect = Db['dialect'];

interface Migration {
  readonly version: number;
  readonly what: string;
  statements(d: Dialect): readonly string[];
}

const serial = (d: Dialect): string => (d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY');
const blob = (d: Dialect): string => (d === 'sqlite' ? 'BLOB' : 'BYTEA');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: 'messages, events, destinations, content, patient hashes, counters, users, tokens, sessions, audit',
    statements: (d) => [
      `CREATE TABLE messages (
        id TEXT PRIMARY KEY, channel TEXT NOT NULL, kind TEXT, message_type TEXT, source_id TEXT,
        status TEXT, received_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
        has_content INTEGER NOT NULL DEFAULT 0, content_type TEXT)`,
      'CREATE INDEX messages_channel ON messages (channel, id)',
      'CREATE INDEX messages_channel_status ON messages (channel, status, id)',
      'CREATE INDEX messages_status ON messages (status, id)',
      'CREATE INDEX messages_type ON messages (message_type, id)',
      // the browser's usual pair; without it a rare type in a busy channel scans the channel (bench/store.ts)
      'CREATE INDEX messages_channel_type ON messages (channel, message_type, id)',
      'CREATE INDEX messages_source ON messages (source_id)',
      `CREATE TABLE events (
        seq ${serial(d)}, eid TEXT NOT NULL UNIQUE, message_id TEXT, channel TEXT NOT NULL, status TEXT NOT NULL,
        destination TEXT, attempt INTEGER, code TEXT, reason TEXT, message_type TEXT, source_id TEXT, kind TEXT,
        at BIGINT NOT NULL, instance TEXT)`,
      'CREATE INDEX events_message ON events (message_id)',
      // refused messages have no id; retention finds them by time
      'CREATE INDEX events_orphan ON events (channel, at) WHERE message_id IS NULL',
      `CREATE TABLE message_destinations (
        message_id TEXT NOT NULL, destination TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER, updated_at BIGINT NOT NULL,
        PRIMARY KEY (message_id, destination))`,
      'CREATE INDEX destinations_status ON message_destinations (destination, status, message_id)',
      `CREATE TABLE message_content (
        message_id TEXT PRIMARY KEY, content_type TEXT, payload ${blob(d)}, bundle ${blob(d)}, sealed INTEGER NOT NULL DEFAULT 0)`,
      'CREATE TABLE patient_ids (hash TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (hash, message_id))',
      'CREATE INDEX patient_ids_message ON patient_ids (message_id)',
      'CREATE TABLE channel_counts (channel TEXT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (channel, status))',
      `CREATE TABLE minute_counts (channel TEXT NOT NULL, minute BIGINT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (channel, minute, status))`,
      `CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)`,
      `CREATE TABLE api_tokens (id TEXT PRIMARY KEY, user_name TEXT NOT NULL, label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL, expires_at BIGINT, revoked INTEGER NOT NULL DEFAULT 0)`,
      'CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)',
      'CREATE INDEX sessions_expiry ON sessions (expires_at)',
      `CREATE TABLE audit (seq ${serial(d)}, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT, outcome TEXT NOT NULL, detail TEXT)`,
      'CREATE INDEX audit_at ON audit (at)',
      'CREATE INDEX audit_actor ON audit (actor, seq)',
      'CREATE INDEX audit_action ON audit (action, seq)',
    ],
  },
  {
    version: 2,
    what: 'destination searches without a status ordered by message id',
    // a destination's search with a status walks destinations_status in id order (read.ts);
    // without a status it needs (destination, message_id), or it sorts every row of the destination
    statements: () => ['CREATE INDEX destinations_order ON message_destinations (destination, message_id)'],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

async function current(q: Queryable): Promise<number> {
  const rows = await q.all<{ v: number | null }>('SELECT MAX(version) AS v FROM medibus_schema');
  return rows[0]?.v ?? 0;
}

/** Brings the schema to SCHEMA_VERSION; returns the versions applied. */
export async function migrate(db: Db): Promise<number[]> {
  return db.tx(async (q) => {
    // any fixed key: serialises migrations between instances sharing the database
    if (db.dialect === 'postgres') await q.run('SELECT pg_advisory_xact_lock(7013950)');
    await q.run('CREATE TABLE IF NOT EXISTS medibus_schema (version INTEGER PRIMARY KEY, what TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const have = await current(q);
    if (have > SCHEMA_VERSION) {
      throw new MedibusError('MEDIBUS_ERR_STORE_SCHEMA', `the message store is at schema version ${have}; this medibus knows up to ${SCHEMA_VERSION}`);
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= have) continue;
      for (const sql of m.statements(db.dialect)) await q.run(sql);
      await q.run('INSERT INTO medibus_schema (version, what, applied_at) VALUES (?, ?, ?)', [m.version, m.what, Date.now()]);
      applied.push(m.version);
    }
    return applied;
  });
}
