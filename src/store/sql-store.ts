/**
 * MessageStore over either database (db.ts): the SQL is shared, the dialect differs in a
 * handful of spellings. Opening runs the migrations (schema.ts).
 */
import * as accounts from './accounts.js';
import type { Db } from './db.js';
import type { IdHasher } from './hash.js';
import { counters, detail, idBound, search, series } from './read.js';
import { migrate } from './schema.js';
import type {
  ApiToken, AuditEntry, AuditQuery, ChannelCounters, ContentSealer, MessageDetail, MessageQuery, MessageStore, MessageSummary,
  MinuteCount, Page, Session, StoredAuditEntry, StoreWrite, User,
} from './types.js';
import { writeBatch } from './write.js';

const MESSAGE_TABLES = ['events', 'message_destinations', 'message_content', 'patient_ids'] as const;

export class SqlStore implements MessageStore {
  readonly backend: MessageStore['backend'];
  readonly #db: Db;
  readonly #hash: IdHasher;
  readonly #sealer: ContentSealer | undefined;

  private constructor(db: Db, hash: IdHasher, sealer: ContentSealer | undefined) {
    this.#db = db;
    this.backend = db.dialect === 'sqlite' ? 'sqlite' : 'postgres';
    this.#hash = hash;
    this.#sealer = sealer;
  }

  static async open(db: Db, hash: IdHasher, sealer?: ContentSealer): Promise<SqlStore> {
    try {
      await migrate(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new SqlStore(db, hash, sealer);
  }

  write(batch: readonly StoreWrite[]): Promise<void> {
    return batch.length === 0 ? Promise.resolve() : writeBatch(this.#db, batch, this.#hash, this.#sealer);
  }

  search(query: MessageQuery): Promise<Page<MessageSummary>> {
    return search(this.#db, query, this.#hash);
  }

  message(messageId: string): Promise<MessageDetail | undefined> {
    return detail(this.#db, messageId, this.#sealer);
  }

  counters(): Promise<ChannelCounters> {
    return counters(this.#db);
  }

  series(channel: string, minutes = 60, now = new Date()): Promise<readonly MinuteCount[]> {
    return series(this.#db, channel, minutes, now);
  }

  /** One short transaction per call: the caller loops with a pause, so the writer gets the database in between. */
  prune(channel: string, before: Date, limit: number): Promise<number> {
    return this.#db.tx(async (q) => {
      const ids = (await q.all<{ id: string }>('SELECT id FROM messages WHERE channel = ? AND id < ? ORDER BY id LIMIT ?', [channel, idBound(before.getTime()), limit])).map((r) => r.id);
      if (ids.length > 0) {
        const list = ids.map(() => '?').join(', ');
        for (const table of MESSAGE_TABLES) await q.run(`DELETE FROM ${table} WHERE message_id IN (${list})`, ids);
        await q.run(`DELETE FROM messages WHERE id IN (${list})`, ids);
      }
      const orphans = await q.run('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE message_id IS NULL AND channel = ? AND at < ? LIMIT ?)', [channel, before.getTime(), limit]);
      await q.run('DELETE FROM minute_counts WHERE channel = ? AND minute < ?', [channel, before.getTime()]);
      return ids.length + orphans;
    });
  }

  putUser(user: User): Promise<void> {
    return accounts.putUser(this.#db, user);
  }

  user(name: string): Promise<User | undefined> {
    return accounts.getUser(this.#db, name);
  }

  users(): Promise<readonly User[]> {
    return accounts.listUsers(this.#db);
  }

  addToken(token: ApiToken): Promise<void> {
    return accounts.addToken(this.#db, token);
  }

  tokenByHash(hash: string): Promise<ApiToken | undefined> {
    return accounts.tokenByHash(this.#db, hash);
  }

  tokens(user?: string): Promise<readonly ApiToken[]> {
    return accounts.listTokens(this.#db, user);
  }

  revokeToken(id: string): Promise<void> {
    return accounts.revokeToken(this.#db, id);
  }

  addSession(session: Session): Promise<void> {
    return accounts.addSession(this.#db, session);
  }

  session(idHash: string): Promise<Session | undefined> {
    return accounts.getSession(this.#db, idHash);
  }

  deleteSession(idHash: string): Promise<void> {
    return accounts.deleteSession(this.#db, idHash);
  }

  pruneSessions(now: Date): Promise<number> {
    return accounts.pruneSessions(this.#db, now);
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return accounts.appendAudit(this.#db, entry);
  }

  audit(query: AuditQuery): Promise<Page<StoredAuditEntry>> {
    return accounts.queryAudit(this.#db, query);
  }

  exportAudit(query: Omit<AuditQuery, 'limit' | 'cursor'>): AsyncIterable<string> {
    return accounts.exportAudit(this.#db, query);
  }

  async ping(): Promise<void> {
    await this.#db.all('SELECT 1 AS one');
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
