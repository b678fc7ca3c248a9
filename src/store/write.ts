/**
 * One batch of writes → a few multi-row statements in one transaction. Rows are aggregated
 * per key first (PostgreSQL refuses an upsert that touches one row twice in a statement) and
 * sorted by key, so two instances writing the same counters lock rows in the same order and
 * do not deadlock.
 */
import { greatest, insertRows, insertRowsReturning, least, type Db, type Queryable, type SqlValue } from './db.js';
import type { IdHasher } from './hash.js';
import type { ContentSealer, StoreWrite } from './types.js';

interface MessageAgg {
  id: string;
  channel: string;
  kind: string | null;
  type: string | null;
  sourceId: string | null;
  status: string | null;
  receivedAt: number;
  updatedAt: number;
  hasContent: number;
  contentType: string | null;
}

interface DestAgg {
  messageId: string;
  destination: string;
  status: string;
  attempt: number | null;
  at: number;
}

const MINUTE = 60_000;

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sortedEntries<V>(map: Map<string, V>): [string, V][] {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function agg(msgs: Map<string, MessageAgg>, id: string, channel: string, at: number): MessageAgg {
  let m = msgs.get(id);
  if (!m) {
    m = { id, channel, kind: null, type: null, sourceId: null, status: null, receivedAt: at, updatedAt: at, hasContent: 0, contentType: null };
    msgs.set(id, m);
  }
  m.receivedAt = Math.min(m.receivedAt, at);
  return m;
}

interface Rows {
  events: SqlValue[][];
  msgs: Map<string, MessageAgg>;
  dests: Map<string, DestAgg>;
  /** eid → the counter keys it adds to, once it is known to be new */
  counted: Map<string, readonly [string, string]>;
  contents: SqlValue[][];
  pids: Set<string>;
}

function collect(batch: readonly StoreWrite[], hash: IdHasher, sealer: ContentSealer | undefined): Rows {
  const r: Rows = { events: [], msgs: new Map(), dests: new Map(), counted: new Map(), contents: [], pids: new Set() };
  for (const w of batch) {
    if (w.type === 'event') {
      const e = w.event;
      const at = e.at.getTime();
      const sourceId = e.sourceId ?? e.controlId ?? null;
      r.events.push([w.id, e.messageId ?? null, e.channel, e.status, e.destination ?? null, e.attempt ?? null, e.code ?? null,
        e.reason ?? null, e.messageType ?? null, sourceId, e.kind ?? null, at, e.instance ?? null]);
      r.counted.set(w.id, [`${e.channel}\u0000${e.status}`, `${e.channel}\u0000${Math.floor(at / MINUTE) * MINUTE}\u0000${e.status}`]);
      if (!e.messageId) continue;
      const m = agg(r.msgs, e.messageId, e.channel, at);
      m.kind = e.kind ?? m.kind;
      m.type = e.messageType ?? m.type;
      m.sourceId = sourceId ?? m.sourceId;
      if (m.status === null || at >= m.updatedAt) {
        m.status = e.status;
        m.updatedAt = at;
      }
      if (e.destination) {
        const key = `${e.messageId}\u0000${e.destination}`;
        const d = r.dests.get(key);
        if (!d || at >= d.at) r.dests.set(key, { messageId: e.messageId, destination: e.destination, status: e.status, attempt: e.attempt ?? null, at });
      }
    } else {
      const c = w.content;
      if (w.mode === 'none') continue;
      const m = agg(r.msgs, c.messageId, c.channel, c.at.getTime());
      m.kind = c.kind ?? m.kind;
      for (const id of c.patientIds ?? []) if (id.trim() !== '') r.pids.add(`${hash(id)}\u0000${c.messageId}`);
      if (w.mode !== 'full' || (c.payload === undefined && c.bundle === undefined)) continue;
      m.hasContent = 1;
      m.contentType = c.contentType ?? m.contentType;
      const bundle = c.bundle === undefined ? undefined : Buffer.from(c.bundle, 'utf8');
      const seal = (b: Buffer | undefined): Buffer | null => (b === undefined ? null : sealer ? sealer.seal(b) : b);
      r.contents.push([c.messageId, c.contentType ?? null, seal(c.payload), seal(bundle), sealer ? 1 : 0]);
    }
  }
  return r;
}

export async function writeBatch(db: Db, batch: readonly StoreWrite[], hash: IdHasher, sealer: ContentSealer | undefined): Promise<void> {
  const r = collect(batch, hash, sealer);
  const max = (a: string, b: string): string => greatest(db, a, b);
  await db.tx(async (q: Queryable) => {
    // counters count only the events this batch really added: a batch retried after a commit
    // whose acknowledgement was lost (a network cut at the wrong moment) changes nothing
    const fresh = await insertRowsReturning<{ eid: string }>(
      q,
      'INSERT INTO events (eid, message_id, channel, status, destination, attempt, code, reason, message_type, source_id, kind, at, instance)',
      r.events,
      'ON CONFLICT (eid) DO NOTHING',
      'eid',
    );
    const counts = new Map<string, number>();
    const minutes = new Map<string, number>();
    for (const { eid } of fresh) {
      const keys = r.counted.get(eid);
      if (!keys) continue;
      bump(counts, keys[0]);
      bump(minutes, keys[1]);
    }
    await insertRows(
      q,
      'INSERT INTO messages (id, channel, kind, message_type, source_id, status, received_at, updated_at, has_content, content_type)',
      sortedEntries(r.msgs).map(([, m]) => [m.id, m.channel, m.kind, m.type, m.sourceId, m.status, m.receivedAt, m.updatedAt, m.hasContent, m.contentType]),
      `ON CONFLICT (id) DO UPDATE SET
        kind = COALESCE(excluded.kind, messages.kind),
        message_type = COALESCE(excluded.message_type, messages.message_type),
        source_id = COALESCE(excluded.source_id, messages.source_id),
        status = CASE WHEN excluded.status IS NULL THEN messages.status
                      WHEN messages.status IS NULL OR excluded.updated_at >= messages.updated_at THEN excluded.status
                      ELSE messages.status END,
        received_at = ${least(db, 'messages.received_at', 'excluded.received_at')},
        updated_at = CASE WHEN excluded.status IS NULL THEN messages.updated_at ELSE ${max('messages.updated_at', 'excluded.updated_at')} END,
        has_content = ${max('messages.has_content', 'excluded.has_content')},
        content_type = COALESCE(excluded.content_type, messages.content_type)`,
    );
    await insertRows(
      q,
      'INSERT INTO message_destinations (message_id, destination, status, attempt, updated_at)',
      sortedEntries(r.dests).map(([, d]) => [d.messageId, d.destination, d.status, d.attempt, d.at]),
      `ON CONFLICT (message_id, destination) DO UPDATE SET
        status = CASE WHEN excluded.updated_at >= message_destinations.updated_at THEN excluded.status ELSE message_destinations.status END,
        attempt = CASE WHEN excluded.updated_at >= message_destinations.updated_at THEN excluded.attempt ELSE message_destinations.attempt END,
        updated_at = ${max('message_destinations.updated_at', 'excluded.updated_at')}`,
    );
    await insertRows(
      q,
      'INSERT INTO message_content (message_id, content_type, payload, bundle, sealed)',
      r.contents,
      'ON CONFLICT (message_id) DO UPDATE SET content_type = excluded.content_type, payload = excluded.payload, bundle = excluded.bundle, sealed = excluded.sealed',
    );
    await insertRows(q, 'INSERT INTO patient_ids (hash, message_id)', [...r.pids].sort().map((k) => k.split('\u0000')), 'ON CONFLICT DO NOTHING');
    await insertRows(
      q,
      'INSERT INTO channel_counts (channel, status, n)',
      sortedEntries(counts).map(([k, n]) => [...k.split('\u0000'), n]),
      'ON CONFLICT (channel, status) DO UPDATE SET n = channel_counts.n + excluded.n',
    );
    await insertRows(
      q,
      'INSERT INTO minute_counts (channel, minute, status, n)',
      sortedEntries(minutes).map(([k, n]) => {
        const [channel, minute, status] = k.split('\u0000');
        return [channel!, Number(minute), status!, n];
      }),
      'ON CONFLICT (channel, minute, status) DO UPDATE SET n = minute_counts.n + excluded.n',
    );
  });
}
