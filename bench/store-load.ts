/**
 * Loads messages N0..N1-1 of bench/store.ts's data set straight in SQL (the database generates
 * the rows), so the search benchmark reaches 1,000,000 messages in minutes on a shared machine.
 * Same shape as the rows MessageStore.write makes: UUIDv7 ids over 30 days, 10 channels, five
 * types, 1 % errored, 0.5 % dead-lettered, 0.5 % filtered, one destination, 100,000 patients
 * whose identifier hashes are computed here with the store's own HMAC.
 */
import pg from 'pg';
import Database from 'better-sqlite3';
import { hasher } from '../src/store/hash.js';

const DAY = 86_400_000;
const TYPES = "('ADT^A01'),('ADT^A08'),('ADT^A03'),('ORU^R01'),('ORM^O01')";

export interface LoadSpec {
  readonly from: number;
  readonly to: number;
  readonly total: number;
  readonly now: number;
  readonly hashKey: string;
}

function patientRows(spec: LoadSpec): [number, string][] {
  const hash = hasher(Buffer.from(spec.hashKey, 'hex'));
  return Array.from({ length: 100_000 }, (_, k) => [k, hash(`MRN-${k}`)]);
}

/** SQL expressions over `i` shared by both dialects; `hex12`/`rnd` differ */
function common(spec: LoadSpec): { at: string; status: string; channel: string } {
  const at = `(${spec.now - 30 * DAY} + (i * ${30 * DAY}) / ${spec.total})`;
  const r = '((i * 2654435761) % 1000)';
  return {
    at,
    status: `CASE WHEN ${r} < 10 THEN 'errored' WHEN ${r} < 15 THEN 'dead-lettered' WHEN ${r} < 20 THEN 'filtered' ELSE 'sent' END`,
    channel: `'channel-' || (i % 10)`,
  };
}

export function loadSqlite(file: string, spec: LoadSpec): void {
  const db = new Database(file);
  const c = common(spec);
  db.exec('CREATE TEMP TABLE bench_patients (k INTEGER PRIMARY KEY, hash TEXT)');
  const ins = db.prepare('INSERT INTO bench_patients VALUES (?, ?)');
  db.transaction(() => { for (const [k, h] of patientRows(spec)) ins.run(k, h); })();
  db.exec(`CREATE TEMP TABLE bench_types (n INTEGER PRIMARY KEY, t TEXT); INSERT INTO bench_types (t) VALUES ${TYPES};`);
  const gen = `WITH RECURSIVE s(i) AS (SELECT ${spec.from} UNION ALL SELECT i + 1 FROM s WHERE i < ${spec.to - 1})`;
  db.exec(`CREATE TEMP TABLE bench_m AS ${gen}
    SELECT i, ${c.at} AS at, ${c.status} AS st, ${c.channel} AS ch,
      substr(printf('%012x', ${c.at}), 1, 8) || '-' || substr(printf('%012x', ${c.at}), 9, 4) || '-7' || substr(lower(hex(randomblob(8))), 1, 3) || '-8' ||
        substr(lower(hex(randomblob(8))), 1, 3) || '-' || lower(hex(randomblob(6))) AS id FROM s`);
  db.transaction(() => {
    db.exec(`INSERT INTO messages (id, channel, kind, message_type, source_id, status, received_at, updated_at, has_content, content_type)
      SELECT id, ch, 'hl7v2', (SELECT t FROM bench_types WHERE n = 1 + i % 5), 'CTRL-' || i, st, at, at + 9, 0, NULL FROM bench_m`);
    db.exec(`INSERT INTO events (eid, message_id, channel, status, destination, attempt, code, reason, message_type, source_id, kind, at, instance)
      SELECT 'r' || i, id, ch, 'received', CAST(NULL AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), 'CTRL-' || i, 'hl7v2', at, 'bench' FROM bench_m
      UNION ALL SELECT 't' || i, id, ch, CASE WHEN st IN ('errored', 'filtered') THEN st ELSE 'transformed' END, NULL, CAST(NULL AS INTEGER), NULL, NULL, NULL, NULL, NULL, at + 3, 'bench' FROM bench_m
      UNION ALL SELECT 'd' || i, id, ch, st, 'emr', 1, NULL, NULL, NULL, NULL, NULL, at + 9, 'bench' FROM bench_m WHERE st IN ('sent', 'dead-lettered')`);
    db.exec(`INSERT INTO message_destinations (message_id, destination, status, attempt, updated_at) SELECT id, 'emr', st, 1, at + 9 FROM bench_m WHERE st IN ('sent', 'dead-lettered')`);
    db.exec('INSERT INTO patient_ids (hash, message_id) SELECT p.hash, m.id FROM bench_m m JOIN bench_patients p ON p.k = m.i % 100000');
  })();
  db.exec('DROP TABLE bench_m; ANALYZE');
  db.close();
}

export async function loadPostgres(url: string, schema: string, spec: LoadSpec): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const c = common(spec);
    await client.query('CREATE TEMP TABLE bench_patients (k INTEGER PRIMARY KEY, hash TEXT)');
    const rows = patientRows(spec);
    for (let i = 0; i < rows.length; i += 5000) {
      const chunk = rows.slice(i, i + 5000);
      await client.query(`INSERT INTO bench_patients VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(',')}`, chunk.flat());
    }
    await client.query(`CREATE TEMP TABLE bench_types (n SERIAL PRIMARY KEY, t TEXT); INSERT INTO bench_types (t) VALUES ${TYPES}`);
    const hex = `lpad(to_hex(${c.at}::bigint), 12, '0')`;
    const rnd = 'md5(random()::text || i::text)';
    await client.query(`CREATE TEMP TABLE bench_m AS SELECT i, ${c.at}::bigint AS at, ${c.status} AS st, ${c.channel} AS ch,
      substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-7' || substr(${rnd}, 1, 3) || '-8' || substr(${rnd}, 4, 3) || '-' || substr(${rnd}, 7, 12) AS id
      FROM generate_series(${spec.from}::bigint, ${spec.to - 1}::bigint) AS i`);
    await client.query('BEGIN');
    await client.query(`INSERT INTO messages (id, channel, kind, message_type, source_id, status, received_at, updated_at, has_content, content_type)
      SELECT id, ch, 'hl7v2', (SELECT t FROM bench_types WHERE n = 1 + i % 5), 'CTRL-' || i, st, at, at + 9, 0, NULL FROM bench_m`);
    await client.query(`INSERT INTO events (eid, message_id, channel, status, destination, attempt, code, reason, message_type, source_id, kind, at, instance)
      SELECT 'r' || i, id, ch, 'received', CAST(NULL AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), 'CTRL-' || i, 'hl7v2', at, 'bench' FROM bench_m
      UNION ALL SELECT 't' || i, id, ch, CASE WHEN st IN ('errored', 'filtered') THEN st ELSE 'transformed' END, NULL, CAST(NULL AS INTEGER), NULL, NULL, NULL, NULL, NULL, at + 3, 'bench' FROM bench_m
      UNION ALL SELECT 'd' || i, id, ch, st, 'emr', 1, NULL, NULL, NULL, NULL, NULL, at + 9, 'bench' FROM bench_m WHERE st IN ('sent', 'dead-lettered')`);
    await client.query(`INSERT INTO message_destinations (message_id, destination, status, attempt, updated_at) SELECT id, 'emr', st, 1, at + 9 FROM bench_m WHERE st IN ('sent', 'dead-lettered')`);
    await client.query('INSERT INTO patient_ids (hash, message_id) SELECT p.hash, m.id FROM bench_m m JOIN bench_patients p ON p.k = m.i % 100000');
    await client.query('COMMIT');
    await client.query('DROP TABLE bench_m');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
