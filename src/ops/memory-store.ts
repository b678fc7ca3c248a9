/**
 * An OpsStore kept in memory, fed by the status bus: what the dashboard shows when no
 * message store is configured, and for tests of the app alone. It keeps the last `limit`
 * messages (oldest dropped first) with their timelines, no content, and forgets everything
 * on restart; users, sessions, tokens and the audit log too. The real store is src/store.
 */
import type { StatusBus, StatusEvent } from '../status/events.js';
import type { AuditEntry, MessageDetail, MessageEvent, MessageQuery, MessageSummary, OpsStore, SessionRecord, TokenRecord, UserRecord } from './types.js';

interface Held {
  summary: MessageSummary;
  events: MessageEvent[];
}

export class MemoryOpsStore implements OpsStore {
  readonly #messages = new Map<string, Held>();
  readonly #users = new Map<string, UserRecord>();
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #audit: AuditEntry[] = [];
  readonly #limit: number;

  constructor(options: { limit?: number } = {}) {
    this.#limit = options.limit ?? 10_000;
  }

  /** records every status event of `bus`; returns the unsubscribe */
  follow(bus: StatusBus): () => void {
    return bus.on((event) => this.record(event));
  }

  record(event: StatusEvent): void {
    if (event.messageId === undefined) return;
    const { status, at, destination, attempt, code, reason } = event;
    const entry: MessageEvent = { status, at, ...(destination ? { destination } : {}), ...(attempt ? { attempt } : {}), ...(code ? { code } : {}), ...(reason ? { reason } : {}) };
    const held = this.#messages.get(event.messageId);
    if (held) {
      held.events.push(entry);
      held.summary = { ...held.summary, status, updatedAt: at, ...(event.controlId ? { controlId: event.controlId } : {}), ...(event.messageType ? { messageType: event.messageType } : {}) };
      // most recent last, so a search walks newest first
      this.#messages.delete(event.messageId);
      this.#messages.set(event.messageId, held);
      return;
    }
    this.#messages.set(event.messageId, {
      summary: { id: event.messageId, channel: event.channel, status, receivedAt: at, updatedAt: at, ...(event.controlId ? { controlId: event.controlId } : {}), ...(event.messageType ? { messageType: event.messageType } : {}) },
      events: [entry],
    });
    if (this.#messages.size > this.#limit) this.#messages.delete(this.#messages.keys().next().value!);
  }

  searchMessages(query: MessageQuery): Promise<readonly MessageSummary[]> {
    const found: MessageSummary[] = [];
    for (const held of [...this.#messages.values()].reverse()) {
      if (found.length >= query.limit) break;
      if (matches(held, query)) found.push(held.summary);
    }
    return Promise.resolve(found);
  }

  getMessage(id: string): Promise<MessageDetail | undefined> {
    const held = this.#messages.get(id);
    return Promise.resolve(held ? { ...held.summary, events: [...held.events] } : undefined);
  }

  findUser(name: string): Promise<UserRecord | undefined> {
    return Promise.resolve(this.#users.get(name));
  }

  putUser(user: UserRecord): Promise<void> {
    this.#users.set(user.name, user);
    return Promise.resolve();
  }

  listUsers(): Promise<readonly UserRecord[]> {
    return Promise.resolve([...this.#users.values()]);
  }

  putSession(session: SessionRecord): Promise<void> {
    this.#sessions.set(session.idHash, session);
    return Promise.resolve();
  }

  findSession(idHash: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(this.#sessions.get(idHash));
  }

  deleteSession(idHash: string): Promise<void> {
    this.#sessions.delete(idHash);
    return Promise.resolve();
  }

  putToken(token: TokenRecord): Promise<void> {
    this.#tokens.set(token.tokenHash, token);
    return Promise.resolve();
  }

  findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    return Promise.resolve(this.#tokens.get(tokenHash));
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    this.#audit.push(entry);
    return Promise.resolve();
  }

  listAudit(options: { limit: number; before?: Date }): Promise<readonly AuditEntry[]> {
    const before = options.before?.getTime() ?? Infinity;
    return Promise.resolve(this.#audit.filter((e) => e.at.getTime() < before).slice(-options.limit).reverse());
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}

function matches(held: Held, q: MessageQuery): boolean {
  const s = held.summary;
  if (q.channel !== undefined && s.channel !== q.channel) return false;
  if (q.status !== undefined && s.status !== q.status) return false;
  if (q.controlId !== undefined && s.controlId !== q.controlId) return false;
  if (q.messageType !== undefined && !(s.messageType ?? '').startsWith(q.messageType)) return false;
  if (q.destination !== undefined && !held.events.some((e) => e.destination === q.destination)) return false;
  if (q.from !== undefined && s.receivedAt < q.from) return false;
  if (q.to !== undefined && s.receivedAt > q.to) return false;
  // patient identifiers are not in status events: only the real store can answer
  if (q.patientId !== undefined) return false;
  return true;
}
