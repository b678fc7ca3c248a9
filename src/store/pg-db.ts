/**
 * The PostgreSQL backend's connection: a small pg Pool. Several medibus processes may share
 * one database (issue 11: "several instances share one store"); every statement here is safe
 * to run from several of them at once (upserts, not read-modify-write).
 */
import pg from 'pg';
import { Mutex, type Db, type Queryable, type Row, type SqlValue } from './db.js';

/** `?` → `$1, $2 …`; the store's SQL has no `?` inside literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const INT8 = 20;
const NUMERIC = 1700;
// int8 counts and epoch milliseconds fit in a double (2^53 ms is year 287396)
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

export interface PgOptions {
  readonly url: string;
  /** a schema to use (created if missing); tests use one per run */
  readonly schema?: string;
  readonly max?: number;
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

function on(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async all<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      const r = await client.query<T>({ text: numbered(sql), values: [...params] });
      return r.rows;
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      const r = await client.query({ text: numbered(sql), values: [...params] });
      return r.rowCount ?? 0;
    },
  };
}

export async function openPostgres(o: PgOptions): Promise<Db> {
  if (o.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) throw new Error(`schema name ${o.schema} is not a plain identifier`);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.max ?? 4,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
    statement_timeout: o.statementTimeoutMs ?? 30000,
    // client side as well: a stalled network (no RST, no bytes) fails the query instead of hanging the writer
    query_timeout: (o.statementTimeoutMs ?? 30000) + 5000,
    // a dead peer (the host gone, a black-holed network) is noticed within a minute, not TCP's hours
    keepAlive: true,
    idleTimeoutMillis: 30000,
    types,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  });
  // an idle client's socket error surfaces here; the next query reconnects
  pool.on('error', () => undefined);
  if (o.schema) {
    // IF NOT EXISTS is not safe against a concurrent CREATE; the migration lock (schema.ts) is
    await pool.query(`DO $$ BEGIN PERFORM pg_advisory_xact_lock(7013950); CREATE SCHEMA IF NOT EXISTS ${o.schema}; END $$`);
  }
  const q = on(pool);
  const lock = new Mutex();
  return {
    dialect: 'postgres',
    all: q.all,
    run: q.run,
    tx: <T>(fn: (tq: Queryable) => Promise<T>): Promise<T> =>
      lock.run(async () => {
        const client = await pool.connect();
        // a socket error between two statements is emitted on the client, not on a query;
        // the next statement fails with it and the batch is retried
        const ignore = (): void => undefined;
        client.on('error', ignore);
        let broken = false;
        try {
          await client.query('BEGIN');
          const out = await fn(on(client));
          await client.query('COMMIT');
          return out;
        } catch (error) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          throw error;
        } finally {
          client.off('error', ignore);
          client.release(broken);
        }
      }),
    close: () => pool.end(),
  };
}
