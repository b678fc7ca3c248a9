/**
 * A MessageStore in memory, for the operators' app tests until src/store's SQLite backend
 * is merged (then test/support/ops.ts opens that instead). It keeps what the contract says,
 * without hashing identifiers (no patient search) and without content.
 */
import type { ApiToken, AuditEntry, AuditQuery, MessageDetail, MessageQuery, MessageStore, MessageSummary, Page, Session, StoredAuditEntry, StoredEvent, StoreWrite, User } from '../../src/store/types.js';

export class MemoryStore implements MessageStore {
  readonly backend = 'sqlite' as const;
  readonly #messages = new Map<string, { summary: MessageSummary; timeline: StoredEvent[]; payload?: Buffer; bundle?: string }>();
  readonly #users = new Map<string, User>();
  readonly #tokens = new Map<string, ApiToken>();
  readonly #sessions = new Map<string, Session>();
  readonly #audit: StoredAuditEntry[] = [];

  write(batch: readonly StoreWrite[]): Promise<void> {
    for (const w of batch) {
      if (w.type === 'content') {
        const held = this.#messages.get(w.content.messageId);
        if (held && w.mode === 'full') {
          if (w.content.payload) held.payload = w.content.payload;
          if (w.content.bundle) held.bundle = w.content.bundle;
          held.summary = { ...held.summary, hasContent: true };
        }
        continue;
      }
      const e = w.event;
      if (e.messageId === undefined) continue;
      const held = this.#messages.get(e.messageId);
      if (!held) {
        this.#messages.set(e.messageId, {
          summary: { messageId: e.messageId, channel: e.channel, status: e.status, destinations: e.destination ? { [e.destination]: e.status } : {}, receivedAt: e.at, updatedAt: e.at, hasContent: false, ...(e.messageType ? { messageType: e.messageType } : {}), ...(e.controlId ? { sourceId: e.controlId } : {}) },
          timeline: [e],
        });
        continue;
      }
      held.timeline.push(e);
      const s = held.summary;
      held.summary = { ...s, ...(e.destination ? { destinations: { ...s.destinations, [e.destination]: e.status } } : { status: e.status }), updatedAt: e.at, ...(e.messageType && !s.messageType ? { messageType: e.messageType } : {}), ...(e.controlId && !s.sourceId ? { sourceId: e.controlId } : {}) };
    }
    return Promise.resolve();
  }

  search(q: MessageQuery): Promise<Page<MessageSummary>> {
    const items = [...this.#messages.values()]
      .map((m) => m.summary)
      .filter((s) => (q.channel === undefined || s.channel === q.channel) && (q.sourceId === undefined || s.sourceId === q.sourceId) && (q.messageType === undefined || s.messageType === q.messageType) && (q.status === undefined || s.status === q.status || Object.values(s.destinations).includes(q.status)) && q.patientId === undefined)
      .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime())
      .slice(0, q.limit ?? 50);
    return Promise.resolve({ items });
  }

  message(id: string): Promise<MessageDetail | undefined> {
    const m = this.#messages.get(id);
    return Promise.resolve(m ? { ...m.summary, timeline: [...m.timeline], ...(m.payload ? { payload: m.payload } : {}), ...(m.bundle ? { bundle: m.bundle } : {}) } : undefined);
  }

  counters(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }

  series(): Promise<[]> {
    return Promise.resolve([]);
  }

  prune(): Promise<number> {
    return Promise.resolve(0);
  }

  putUser(user: User): Promise<void> {
    this.#users.set(user.name, user);
    return Promise.resolve();
  }

  user(name: string): Promise<User | undefined> {
    return Promise.resolve(this.#users.get(name));
  }

  users(): Promise<readonly User[]> {
    return Promise.resolve([...this.#users.values()]);
  }

  addToken(token: ApiToken): Promise<void> {
    this.#tokens.set(token.hash, token);
    return Promise.resolve();
  }

  tokenByHash(hash: string): Promise<ApiToken | undefined> {
    return Promise.resolve(this.#tokens.get(hash));
  }

  tokens(): Promise<readonly ApiToken[]> {
    return Promise.resolve([...this.#tokens.values()]);
  }

  revokeToken(id: string): Promise<void> {
    for (const [k, t] of this.#tokens) if (t.id === id) this.#tokens.set(k, { ...t, revoked: true });
    return Promise.resolve();
  }

  addSession(s: Session): Promise<void> {
    this.#sessions.set(s.idHash, s);
    return Promise.resolve();
  }

  session(idHash: string): Promise<Session | undefined> {
    return Promise.resolve(this.#sessions.get(idHash));
  }

  deleteSession(idHash: string): Promise<void> {
    this.#sessions.delete(idHash);
    return Promise.resolve();
  }

  pruneSessions(): Promise<number> {
    return Promise.resolve(0);
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    this.#audit.push({ ...entry, seq: this.#audit.length + 1 });
    return Promise.resolve();
  }

  audit(q: AuditQuery): Promise<Page<StoredAuditEntry>> {
    const items = this.#audit.filter((e) => (q.actor === undefined || e.actor === q.actor) && (q.action === undefined || e.action === q.action)).reverse().slice(0, q.limit ?? 100);
    return Promise.resolve({ items });
  }

  async *exportAudit(): AsyncIterable<string> {
    for (const e of this.#audit) yield `${JSON.stringify(e)}\n`;
    await Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
