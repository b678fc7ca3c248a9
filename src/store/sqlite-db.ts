/**
 * The embedded backend's connection: one better-sqlite3 handle in WAL mode, so readers (the
 * dashboard, the API) never wait for the batch writer and the writer never waits for them
 * (https://sqlite.org/wal.html §2.2). better-sqlite3 is synchronous; a batch of a few hundred
 * rows takes a few milliseconds, off the message path (the writer runs it after the ACK).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Mutex, type Db, type Queryable, type Row, type SqlValue } from './db.js';

type Statement = Database.Statement<SqlValue[]>;

export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the file
  // (https://sqlite.org/pragma.html#pragma_synchronous); the broker, not the store, is the system of record
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = OFF');
  handle.pragma('busy_timeout = 5000');
  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let st = cache.get(sql);
    if (!st) {
      if (cache.size > 500) cache.clear();
      st = handle.prepare<SqlValue[]>(sql);
      cache.set(sql, st);
    }
    return st;
  };
  const q: Queryable = {
    all<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      try {
        return Promise.resolve(prepare(sql).all(...params) as T[]);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      try {
        return Promise.resolve(prepare(sql).run(...params).changes);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
  const lock = new Mutex();
  return {
    dialect: 'sqlite',
    all: q.all,
    run: q.run,
    tx: <T>(fn: (tq: Queryable) => Promise<T>): Promise<T> =>
      lock.run(async () => {
        handle.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(q);
          handle.exec('COMMIT');
          return out;
        } catch (error) {
          if (handle.inTransaction) handle.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () => {
      handle.close();
      return Promise.resolve();
    },
  };
}
