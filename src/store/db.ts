/**
 * The little the SQL store needs from a database, so one implementation of MessageStore
 * (sql-store.ts) runs on both backends. SQL is written with `?` placeholders; the PostgreSQL
 * adapter numbers them. Integers are JavaScript numbers (times are epoch milliseconds),
 * booleans are 0/1, binary is Buffer.
 */
export type SqlValue = string | number | null | Buffer;

export type Row = Record<string, unknown>;

export interface Queryable {
  all<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** returns the number of rows changed */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Db extends Queryable {
  readonly dialect: 'sqlite' | 'postgres';
  /** one transaction; rolled back when `fn` rejects. Transactions never interleave on one Db. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** GREATEST / LEAST: SQLite spells them MAX / MIN with two arguments. */
export function greatest(db: Db, a: string, b: string): string {
  return db.dialect === 'sqlite' ? `MAX(${a}, ${b})` : `GREATEST(${a}, ${b})`;
}

export function least(db: Db, a: string, b: string): string {
  return db.dialect === 'sqlite' ? `MIN(${a}, ${b})` : `LEAST(${a}, ${b})`;
}

/** `(?, ?, ?), (?, ?, ?)` for `rows` rows of `columns` values. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

/** Runs a multi-row INSERT in chunks that stay under both backends' parameter limits. */
export async function insertRows(
  q: Queryable,
  head: string,
  rows: readonly (readonly SqlValue[])[],
  tail = '',
): Promise<void> {
  if (rows.length === 0) return;
  const columns = rows[0]!.length;
  // SQLite allows 32766 parameters per statement (since 3.32), PostgreSQL 65535
  const per = Math.max(1, Math.min(500, Math.floor(30000 / columns)));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    await q.run(`${head} VALUES ${valuesList(chunk.length, columns)} ${tail}`, chunk.flat());
  }
}

/** Like insertRows, with `RETURNING <returning>` (both backends have it; SQLite since 3.35): the rows actually inserted. */
export async function insertRowsReturning<T extends Row>(
  q: Queryable,
  head: string,
  rows: readonly (readonly SqlValue[])[],
  tail: string,
  returning: string,
): Promise<T[]> {
  const out: T[] = [];
  if (rows.length === 0) return out;
  const columns = rows[0]!.length;
  const per = Math.max(1, Math.min(500, Math.floor(30000 / columns)));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    out.push(...(await q.all<T>(`${head} VALUES ${valuesList(chunk.length, columns)} ${tail} RETURNING ${returning}`, chunk.flat())));
  }
  return out;
}

/** A FIFO lock: transactions on one connection must not interleave. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
