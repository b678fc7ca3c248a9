/**
 * Search, detail, counters and the per-minute series. Every search is `ORDER BY id DESC` on
 * an index that ends in `id` (schema.ts): ids are UUIDv7, so that is newest first, a time
 * range is an id range, and the cursor is the last id of the page.
 */
import { MedibusError } from '../errors.js';
import type { PayloadKind } from '../kinds/types.js';
import type { MessageStatus } from '../status/events.js';
import type { Queryable, Row, SqlValue } from './db.js';
import type { IdHasher } from './hash.js';
import type { ChannelCounters, ContentSealer, MessageDetail, MessageQuery, MessageSummary, MinuteCount, Page, StoredEvent } from './types.js';

const MINUTE = 60_000;

/** The smallest UUIDv7 of millisecond `ms`, as a string prefix (`0190a1b2-c3d4`). */
export function idBound(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{1,64}$/.test(id)) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'the search cursor is not one this store gave out');
  return id;
}

interface MessageRow extends Row {
  id: string;
  channel: string;
  kind: string | null;
  message_type: string | null;
  source_id: string | null;
  status: string | null;
  received_at: number;
  updated_at: number;
  has_content: number;
  content_type: string | null;
}

function summary(row: MessageRow, destinations: Record<string, MessageStatus>): MessageSummary {
  return {
    messageId: row.id,
    channel: row.channel,
    ...(row.kind === null ? {} : { kind: row.kind }),
    ...(row.message_type === null ? {} : { messageType: row.message_type }),
    ...(row.source_id === null ? {} : { sourceId: row.source_id }),
    // a row made by content that arrived before its first event
    status: (row.status ?? 'received') as MessageStatus,
    destinations,
    receivedAt: new Date(row.received_at),
    updatedAt: new Date(row.updated_at),
    hasContent: row.has_content === 1,
  };
}

async function destinationsOf(q: Queryable, ids: readonly string[]): Promise<Map<string, Record<string, MessageStatus>>> {
  const out = new Map<string, Record<string, MessageStatus>>();
  if (ids.length === 0) return out;
  const rows = await q.all<{ message_id: string; destination: string; status: string }>(
    `SELECT message_id, destination, status FROM message_destinations WHERE message_id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  for (const r of rows) (out.get(r.message_id) ?? out.set(r.message_id, {}).get(r.message_id)!)[r.destination] = r.status as MessageStatus;
  return out;
}

export async function search(q: Queryable, query: MessageQuery, hash: IdHasher): Promise<Page<MessageSummary>> {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), 500);
  const joins: string[] = [];
  const where: string[] = [];
  const params: SqlValue[] = [];
  const cond = (sql: string, ...values: SqlValue[]): void => {
    where.push(sql);
    params.push(...values);
  };
  // The table the search is driven from, and the id column it orders on: a destination's or a
  // patient's rows when the search names one, so the index (destination, status, message_id)
  // or (hash, message_id) gives the order and the first page stops after `limit` rows. Ordering
  // on m.id instead made SQLite read and sort every match (the dead-letter search at 1,000,000
  // messages took 400 ms); m.id equals the key column, so the result is the same.
  let from = 'messages m';
  let key = 'm.id';
  if (query.destination !== undefined) {
    // CROSS JOIN: SQLite keeps the left table as the outer loop; PostgreSQL plans it freely
    from = 'message_destinations d CROSS JOIN messages m';
    key = 'd.message_id';
    joins.push('d.message_id = m.id');
  } else if (query.patientId !== undefined) {
    from = 'patient_ids p CROSS JOIN messages m';
    key = 'p.message_id';
    joins.push('p.message_id = m.id');
  }
  if (query.destination !== undefined && query.patientId !== undefined) {
    from += ' JOIN patient_ids p ON p.message_id = m.id';
  }
  where.push(...joins);
  if (query.channel !== undefined) cond('m.channel = ?', query.channel);
  if (query.destination !== undefined) {
    cond('d.destination = ?', query.destination);
    if (query.status !== undefined) cond('d.status = ?', query.status);
  } else if (query.status !== undefined) cond('m.status = ?', query.status);
  if (query.messageType !== undefined) cond('m.message_type = ?', query.messageType);
  if (query.sourceId !== undefined) cond('m.source_id = ?', query.sourceId);
  if (query.patientId !== undefined) cond('p.hash = ?', hash(query.patientId));
  if (query.from !== undefined) cond(`${key} >= ?`, idBound(query.from.getTime()));
  if (query.to !== undefined) cond(`${key} < ?`, idBound(query.to.getTime()));
  if (query.cursor !== undefined) cond(`${key} < ?`, decodeCursor(query.cursor));
  const sql = `SELECT m.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${key} DESC LIMIT ?`;
  const rows = await q.all<MessageRow>(sql, [...params, limit + 1]);
  const page = rows.slice(0, limit);
  const dests = await destinationsOf(q, page.map((r) => r.id));
  const items = page.map((r) => summary(r, dests.get(r.id) ?? {}));
  return rows.length > limit ? { items, next: encodeCursor(page[page.length - 1]!.id) } : { items };
}

interface EventRow extends Row {
  message_id: string | null;
  channel: string;
  status: string;
  destination: string | null;
  attempt: number | null;
  code: string | null;
  reason: string | null;
  message_type: string | null;
  source_id: string | null;
  kind: string | null;
  at: number;
  instance: string | null;
}

function event(r: EventRow): StoredEvent {
  const opt = <K extends string, V>(k: K, v: V | null): { [P in K]?: V } => (v === null ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    status: r.status as MessageStatus,
    channel: r.channel,
    ...opt('messageId', r.message_id),
    ...opt('kind', r.kind as PayloadKind | null),
    ...opt('sourceId', r.source_id),
    ...opt('messageType', r.message_type),
    ...opt('destination', r.destination),
    ...opt('attempt', r.attempt),
    ...opt('code', r.code),
    ...opt('reason', r.reason),
    ...opt('instance', r.instance),
    at: new Date(r.at),
  };
}

export async function detail(q: Queryable, messageId: string, sealer: ContentSealer | undefined): Promise<MessageDetail | undefined> {
  const [row] = await q.all<MessageRow>('SELECT * FROM messages WHERE id = ?', [messageId]);
  if (!row) return undefined;
  const events = await q.all<EventRow>('SELECT * FROM events WHERE message_id = ? ORDER BY at, seq', [messageId]);
  const dests = await destinationsOf(q, [messageId]);
  const [content] = await q.all<{ content_type: string | null; payload: Buffer | null; bundle: Buffer | null; sealed: number }>(
    'SELECT content_type, payload, bundle, sealed FROM message_content WHERE message_id = ?',
    [messageId],
  );
  const open = (b: Buffer | null): Buffer | undefined => {
    if (b === null) return undefined;
    if (content!.sealed !== 1) return b;
    if (!sealer) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', `message ${messageId}'s content is encrypted and no at-rest key is configured`);
    return sealer.open(b);
  };
  const payload = content ? open(content.payload) : undefined;
  const bundle = content ? open(content.bundle) : undefined;
  return {
    ...summary(row, dests.get(messageId) ?? {}),
    timeline: events.map(event),
    ...(row.content_type === null ? {} : { contentType: row.content_type }),
    ...(payload === undefined ? {} : { payload }),
    ...(bundle === undefined ? {} : { bundle: bundle.toString('utf8') }),
  };
}

export async function counters(q: Queryable): Promise<ChannelCounters> {
  const out: ChannelCounters = {};
  for (const r of await q.all<{ channel: string; status: string; n: number }>('SELECT channel, status, n FROM channel_counts')) {
    (out[r.channel] ??= {})[r.status as MessageStatus] = r.n;
  }
  return out;
}

export async function series(q: Queryable, channel: string, minutes: number, now: Date): Promise<MinuteCount[]> {
  const last = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const first = last - (minutes - 1) * MINUTE;
  const rows = await q.all<{ minute: number; status: string; n: number }>(
    'SELECT minute, status, n FROM minute_counts WHERE channel = ? AND minute >= ? AND minute <= ?',
    [channel, first, last],
  );
  const byMinute = new Map<number, Partial<Record<MessageStatus, number>>>();
  for (const r of rows) (byMinute.get(r.minute) ?? byMinute.set(r.minute, {}).get(r.minute)!)[r.status as MessageStatus] = r.n;
  return Array.from({ length: minutes }, (_, i) => {
    const minute = first + i * MINUTE;
    return { minute: new Date(minute), counts: byMinute.get(minute) ?? {} };
  });
}
