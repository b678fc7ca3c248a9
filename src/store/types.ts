/**
 * The message store contract (issue 11 item 1, the store's share of items 2 and 4): one
 * interface that both backends (embedded SQLite, PostgreSQL) implement and one conformance
 * suite (test/store/conformance.ts) checks. The engine never awaits it on the message path:
 * status events and content go through StoreWriter (a bounded queue flushed in batches);
 * the management API and the dashboard read through MessageStore directly.
 *
 * Patient identifiers are never stored in clear text: the store keeps HMAC-SHA256(key, value)
 * and a search hashes the identifier it is given with the same key.
 */
import type { MessageStatus, StatusEvent } from '../status/events.js';

/** `store:` of a channel: `full` keeps the payload and the Bundle, `metadata` only the history and hashed identifiers. */
export const CONTENT_MODES = ['full', 'metadata', 'none'] as const;
export type ContentMode = (typeof CONTENT_MODES)[number];

export interface ChannelStoreSettings {
  readonly content: ContentMode;
  /** how long a message (history and content) is kept, from its receipt */
  readonly retentionMs: number;
}

/** One status transition as stored: a StatusEvent plus where it came from. */
export interface StoredEvent extends StatusEvent {
  /** the instance that recorded it (several medibus processes may share one PostgreSQL) */
  readonly instance?: string;
}

/** What the transform worker captures off the ACK path; the writer applies the channel's mode. */
export interface ContentRecord {
  readonly messageId: string;
  readonly channel: string;
  readonly at: Date;
  /** 'hl7v2' | 'dicom' | 'csv' (src/kinds) */
  readonly kind?: string;
  /** of the payload: application/hl7-v2, application/dicom+json, application/vnd.medibus.csv-rows+json */
  readonly contentType?: string;
  /** the raw HL7 message, the DICOM metadata JSON (never pixel data), or the CSV row(s) as JSON */
  readonly payload?: Buffer;
  /** the FHIR Bundle as JSON text */
  readonly bundle?: string;
  /** clear-text identifiers (PID-3, PatientID, Patient.identifier); the store keeps only their HMAC */
  readonly patientIds?: readonly string[];
}

/** A write as queued: an event, or content with the mode already applied. */
export type StoreWrite =
  | { readonly type: 'event'; /** unique per event, so a batch retried after an unacknowledged commit is not stored twice */ readonly id: string; readonly event: StoredEvent }
  | { readonly type: 'content'; readonly content: ContentRecord; readonly mode: ContentMode };

export interface MessageSummary {
  readonly messageId: string;
  readonly channel: string;
  readonly kind?: string;
  readonly messageType?: string;
  /** MSH-10 / SOPInstanceUID / CSV rowId */
  readonly sourceId?: string;
  /** the latest transition of the message as a whole */
  readonly status: MessageStatus;
  /** per destination, its latest transition */
  readonly destinations: Readonly<Record<string, MessageStatus>>;
  readonly receivedAt: Date;
  readonly updatedAt: Date;
  /** whether payload or Bundle is stored (content mode `full`) */
  readonly hasContent: boolean;
}

export interface MessageDetail extends MessageSummary {
  /** every stored transition, oldest first */
  readonly timeline: readonly StoredEvent[];
  readonly contentType?: string;
  /** only in mode `full`; reading it is an auditable act (the API audits, not the store) */
  readonly payload?: Buffer;
  readonly bundle?: string;
}

export interface MessageQuery {
  readonly channel?: string;
  /** the message's latest status; with `destination`, that destination's latest status */
  readonly status?: MessageStatus;
  /** messages that went (or are going) to this destination */
  readonly destination?: string;
  /** receivedAt >= from (message ids are UUIDv7: the bound is on the id, src/util/ids.ts) */
  readonly from?: Date;
  /** receivedAt < to */
  readonly to?: Date;
  /** exact, e.g. ADT^A01 */
  readonly messageType?: string;
  /** exact control ID / source ID */
  readonly sourceId?: string;
  /** clear text; hashed with the store's key before it is compared */
  readonly patientId?: string;
  /** default 50, at most 500 */
  readonly limit?: number;
  /** opaque, from the previous page's `next` */
  readonly cursor?: string;
}

export interface Page<T> {
  /** newest first */
  readonly items: readonly T[];
  /** absent on the last page */
  readonly next?: string;
}

/** counts per channel and status since the store was created, from all instances (retention does not lower them) */
export type ChannelCounters = Record<string, Partial<Record<MessageStatus, number>>>;

export interface MinuteCount {
  /** start of the minute (UTC) */
  readonly minute: Date;
  readonly counts: Partial<Record<MessageStatus, number>>;
}

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  readonly name: string;
  readonly role: Role;
  /** scrypt, in the form the ops layer writes (e.g. `scrypt$N$r$p$salt$hash`); the store does not interpret it */
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface ApiToken {
  readonly id: string;
  readonly user: string;
  /** a label the admin chose */
  readonly label: string;
  /** SHA-256 of the secret, hex; the secret itself is shown once and never stored */
  readonly hash: string;
  readonly createdAt: Date;
  readonly expiresAt?: Date;
  readonly revoked: boolean;
}

export interface Session {
  /** SHA-256 of the cookie value, hex */
  readonly idHash: string;
  readonly user: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface AuditEntry {
  readonly at: Date;
  /** user name, `token:<id>`, or `system` */
  readonly actor: string;
  /** e.g. login, login-failed, message.view-content, replay, channel.stop, user.add */
  readonly action: string;
  /** what it was done to: a message id, a channel, a user name */
  readonly target?: string;
  readonly outcome: 'ok' | 'denied' | 'failed';
  /** free-form, never patient data: reason given, count replayed, remote address */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

export interface StoredAuditEntry extends AuditEntry {
  readonly seq: number;
}

export interface AuditQuery {
  readonly from?: Date;
  readonly to?: Date;
  readonly actor?: string;
  readonly action?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/**
 * The backend. Each method is small and does one thing; `write` is the only write of the
 * message path and is called by StoreWriter with a batch (one transaction per batch).
 */
export interface MessageStore {
  readonly backend: 'sqlite' | 'postgres';
  /** status events and content, in one transaction; idempotent for a batch retried after a failure */
  write(batch: readonly StoreWrite[]): Promise<void>;
  search(query: MessageQuery): Promise<Page<MessageSummary>>;
  message(messageId: string): Promise<MessageDetail | undefined>;
  counters(): Promise<ChannelCounters>;
  /** per-minute counts of one channel, oldest first, the last `minutes` minutes (default 60) up to `now` */
  series(channel: string, minutes?: number, now?: Date): Promise<readonly MinuteCount[]>;
  /** deletes messages of `channel` received before `before`, at most `limit`; returns how many */
  prune(channel: string, before: Date, limit: number): Promise<number>;

  putUser(user: User): Promise<void>;
  user(name: string): Promise<User | undefined>;
  users(): Promise<readonly User[]>;
  addToken(token: ApiToken): Promise<void>;
  tokenByHash(hash: string): Promise<ApiToken | undefined>;
  tokens(user?: string): Promise<readonly ApiToken[]>;
  revokeToken(id: string): Promise<void>;
  addSession(session: Session): Promise<void>;
  session(idHash: string): Promise<Session | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** removes sessions expired at `now`; returns how many */
  pruneSessions(now: Date): Promise<number>;

  /** written at once, not batched: an audit entry is on the path of the action it records */
  appendAudit(entry: AuditEntry): Promise<void>;
  audit(query: AuditQuery): Promise<Page<StoredAuditEntry>>;
  /** one JSON object per line, oldest first */
  exportAudit(query: Omit<AuditQuery, 'limit' | 'cursor'>): AsyncIterable<string>;

  /** a cheap round trip, for /ready */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the writer reports for /metrics and /ready. */
export interface StoreWriterStats {
  /** writes waiting in memory */
  readonly queued: number;
  /** writes waiting in the spill file (memory bound reached or store unreachable) */
  readonly spilled: number;
  readonly written: number;
  /** batches that failed and were kept for a retry */
  readonly failedBatches: number;
  /** writes lost because neither memory nor the spill file could take them (disk full); logged */
  readonly dropped: number;
  /** writes not yet in the store because it failed: queued + spilled while the store is failing */
  readonly behind: number;
  readonly lastError?: string;
  readonly healthy: boolean;
}

/** The side the engine uses; never blocks, never throws. */
export interface StoreWriter {
  event(event: StatusEvent): void;
  content(content: ContentRecord): void;
  stats(): StoreWriterStats;
  /** writes everything queued or spilled (bounded by `timeoutMs`), then stops */
  close(timeoutMs?: number): Promise<void>;
}

/** Encryption of stored payloads at rest (issue 12 item 3); identity when no key is configured. */
export interface ContentSealer {
  seal(plain: Buffer): Buffer;
  open(sealed: Buffer): Buffer;
}
