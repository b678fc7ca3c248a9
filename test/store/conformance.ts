/**
 * The store conformance suite: every backend runs these cases against its real database
 * (sqlite.test.ts, postgres.test.ts). What they check is what the API and the dashboard
 * show: a message's history and content, the searches an operator types, the counters, the
 * accounts and the audit trail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/util/ids.js';
import type { MessageStatus } from '../../src/status/events.js';
import type { ContentMode, ContentSealer, MessageStore, StoredEvent, StoreWrite } from '../../src/store/types.js';
import type { Backend, TestStore } from './support.js';

let n = 0;
export function ev(status: MessageStatus, messageId: string | undefined, at: Date, extra: Partial<StoredEvent> = {}): StoreWrite {
  n += 1;
  return { type: 'event', id: `e-${process.pid}-${n}-${Math.random()}`, event: { status, channel: 'adt', ...(messageId ? { messageId } : {}), at, ...extra } };
}

export function content(messageId: string, at: Date, mode: ContentMode, extra: { payload?: string; bundle?: unknown; patientIds?: string[]; channel?: string } = {}): StoreWrite {
  return {
    type: 'content',
    mode,
    content: {
      messageId,
      channel: extra.channel ?? 'adt',
      at,
      kind: 'hl7v2',
      contentType: 'application/hl7-v2',
      ...(extra.payload === undefined ? {} : { payload: Buffer.from(extra.payload, 'utf8') }),
      ...(extra.bundle === undefined ? {} : { bundle: JSON.stringify(extra.bundle) }),
      ...(extra.patientIds ? { patientIds: extra.patientIds } : {}),
    },
  };
}

const HL7 = 'MSH|^~\\&|HIS|H|MEDIBUS|H|20261207120000||ADT^A01|CTRL-1|P|2.5.1\rPID|1||PAT-4711^^^H^MR||Nguyễn^Văn An\r';
const BUNDLE = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', identifier: [{ value: 'PAT-4711' }] } }] };

/** the admission message, transformed, sent to one destination, dead-lettered at the other */
async function oneMessage(store: MessageStore, mode: ContentMode, t0 = Date.now()): Promise<string> {
  const id = uuidv7(t0);
  const at = (ms: number): Date => new Date(t0 + ms);
  const ids = { sourceId: 'CTRL-1', controlId: 'CTRL-1', messageType: 'ADT^A01', kind: 'hl7v2' as const };
  await store.write([
    ev('received', id, at(0), ids),
    ev('transformed', id, at(5), ids),
    content(id, at(5), mode, { payload: HL7, bundle: BUNDLE, patientIds: ['PAT-4711'] }),
    ev('sent', id, at(9), { destination: 'emr', attempt: 1 }),
  ]);
  await store.write([
    ev('retrying', id, at(10), { destination: 'repo', attempt: 1, code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', reason: 'HTTP 503' }),
    ev('dead-lettered', id, at(20), { destination: 'repo', attempt: 2, code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', reason: 'HTTP 503' }),
  ]);
  return id;
}

export function conformance(backend: Backend, open: (sealer?: ContentSealer) => Promise<TestStore & { rawText(): Promise<string> }>): void {
  describe(`message store conformance: ${backend}`, () => {
    const opened: TestStore[] = [];
    const fresh = async (sealer?: ContentSealer): Promise<TestStore & { rawText(): Promise<string> }> => {
      const t = await open(sealer);
      opened.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.cleanup()));
    });

    it('keeps a message history as its timeline, with the state of each destination', async () => {
      const { store } = await fresh();
      expect(store.backend).toBe(backend);
      const id = await oneMessage(store, 'full');
      const m = await store.message(id);
      expect(m).toMatchObject({ messageId: id, channel: 'adt', kind: 'hl7v2', messageType: 'ADT^A01', sourceId: 'CTRL-1', status: 'dead-lettered', hasContent: true });
      expect(m!.destinations).toEqual({ emr: 'sent', repo: 'dead-lettered' });
      expect(m!.timeline.map((e) => [e.status, e.destination ?? '', e.attempt ?? 0])).toEqual([
        ['received', '', 0], ['transformed', '', 0], ['sent', 'emr', 1], ['retrying', 'repo', 1], ['dead-lettered', 'repo', 2],
      ]);
      expect(m!.timeline[4]).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', reason: 'HTTP 503' });
      expect(m!.payload?.toString('utf8')).toBe(HL7);
      expect(JSON.parse(m!.bundle!)).toEqual(BUNDLE);
      expect(await store.message(uuidv7())).toBeUndefined();
    });

    it('applies events that arrive late or twice (another instance, a retried batch) without changing the outcome', async () => {
      const { store } = await fresh();
      const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 1000; // all three events in one minute
      const id = uuidv7(t0);
      const sent = ev('sent', id, new Date(t0 + 50), { destination: 'emr', attempt: 2 });
      const retry = ev('retrying', id, new Date(t0 + 10), { destination: 'emr', attempt: 1 });
      await store.write([sent]);
      await store.write([retry, ev('received', id, new Date(t0), { messageType: 'ADT^A08' })]);
      await store.write([sent]);
      const m = (await store.message(id))!;
      expect(m.status).toBe('sent');
      expect(m.destinations).toEqual({ emr: 'sent' });
      expect(m.receivedAt.getTime()).toBe(t0);
      expect(m.timeline.map((e) => e.status)).toEqual(['received', 'retrying', 'sent']);
      expect((await store.counters())['adt']).toEqual({ received: 1, retrying: 1, sent: 1 });
      expect((await store.series('adt', 1, new Date(t0 + 50)))[0]!.counts).toEqual({ received: 1, retrying: 1, sent: 1 });
    });

    it('metadata mode keeps no payload and no clear identifier, yet finds the message by patient identifier', async () => {
      const { store, rawText } = await fresh();
      const id = await oneMessage(store, 'metadata');
      const m = (await store.message(id))!;
      expect(m.hasContent).toBe(false);
      expect(m.payload).toBeUndefined();
      expect(m.bundle).toBeUndefined();
      expect((await store.search({ patientId: 'PAT-4711' })).items.map((s) => s.messageId)).toEqual([id]);
      expect((await store.search({ patientId: 'PAT-4712' })).items).toEqual([]);
      const raw = await rawText();
      expect(raw).toContain('CTRL-1');
      expect(raw).not.toContain('PAT-4711');
      expect(raw).not.toContain('Nguy');
    });

    it('mode none keeps the history only', async () => {
      const { store } = await fresh();
      const id = await oneMessage(store, 'none');
      const m = (await store.message(id))!;
      expect(m.timeline).toHaveLength(5);
      expect(m.payload).toBeUndefined();
      expect((await store.search({ patientId: 'PAT-4711' })).items).toEqual([]);
    });

    it('seals payload and Bundle at rest when a sealer is given, and opens them on read', async () => {
      const xor: ContentSealer = {
        seal: (b) => Buffer.concat([Buffer.from('K1:'), Buffer.from(b.map((x) => x ^ 0x5a))]),
        open: (b) => Buffer.from(b.subarray(3).map((x) => x ^ 0x5a)),
      };
      const { store, rawText } = await fresh(xor);
      const id = await oneMessage(store, 'full');
      const m = (await store.message(id))!;
      expect(m.payload!.toString('utf8')).toBe(HL7);
      expect(JSON.parse(m.bundle!)).toEqual(BUNDLE);
      const raw = await rawText();
      expect(raw).not.toContain('Nguy');
      expect(raw).not.toContain('PAT-4711');
    });

    it('searches by channel, status, destination, type, source id and time, newest first, page by page', async () => {
      const { store } = await fresh();
      const t0 = Date.UTC(2026, 11, 7, 8, 0, 0);
      const writes: StoreWrite[] = [];
      const idAt: string[] = [];
      for (let i = 0; i < 25; i++) {
        const id = uuidv7(t0 + i * 60_000);
        idAt.push(id);
        const at = new Date(t0 + i * 60_000);
        const channel = i % 5 === 0 ? 'lab' : 'adt';
        const type = i % 2 === 0 ? 'ADT^A01' : 'ADT^A08';
        writes.push(ev('received', id, at, { channel, messageType: type, sourceId: `C-${i}` }));
        writes.push(ev(i === 7 ? 'dead-lettered' : 'sent', id, new Date(at.getTime() + 1), { channel, destination: i % 3 === 0 ? 'repo' : 'emr' }));
      }
      writes.push(ev('refused', undefined, new Date(t0), { code: 'MEDIBUS_ERR_HL7_NO_MSH' }));
      await store.write(writes);
      const ids = async (q: Parameters<MessageStore['search']>[0]): Promise<string[]> => (await store.search(q)).items.map((s) => s.messageId);
      expect(await ids({ channel: 'lab' })).toEqual([20, 15, 10, 5, 0].map((i) => idAt[i]));
      expect(await ids({ status: 'dead-lettered' })).toEqual([idAt[7]]);
      expect(await ids({ destination: 'emr', status: 'dead-lettered' })).toEqual([idAt[7]]);
      expect(await ids({ destination: 'repo', channel: 'lab' })).toEqual([15, 0].map((i) => idAt[i]));
      // a destination's search is driven from its rows (read.ts): the same order, time range and cursor
      expect(await ids({ destination: 'repo', from: new Date(t0 + 3 * 60_000), to: new Date(t0 + 12 * 60_000) })).toEqual([9, 6, 3].map((i) => idAt[i]));
      const repo: string[] = [];
      let next: string | undefined;
      for (let n = 0; n < 10; n++) {
        const page = await store.search({ destination: 'repo', limit: 3, ...(next ? { cursor: next } : {}) });
        repo.push(...page.items.map((s) => s.messageId));
        next = page.next;
        if (!next) break;
      }
      expect(repo).toEqual([24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => idAt[i]));
      expect(await ids({ messageType: 'ADT^A08', channel: 'lab' })).toEqual([15, 5].map((i) => idAt[i]));
      expect(await ids({ sourceId: 'C-13' })).toEqual([idAt[13]]);
      expect(await ids({ from: new Date(t0 + 3 * 60_000), to: new Date(t0 + 6 * 60_000) })).toEqual([5, 4, 3].map((i) => idAt[i]));
      const summary = (await store.search({ sourceId: 'C-7' })).items[0]!;
      expect(summary).toMatchObject({ channel: 'adt', status: 'dead-lettered', destinations: { emr: 'dead-lettered' }, messageType: 'ADT^A08' });
      // pages of 10: complete, no message twice, the last page has no cursor
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.search({ limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((s) => s.messageId));
        cursor = page.next;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...idAt].reverse());
      await expect(store.search({ cursor: 'not a cursor!' })).rejects.toThrow(/cursor/);
    });

    it('counts per channel and status, and per minute over the last hour', async () => {
      const { store } = await fresh();
      const now = new Date(Date.UTC(2026, 11, 7, 9, 30, 30));
      const writes: StoreWrite[] = [];
      for (let i = 0; i < 6; i++) {
        const at = new Date(now.getTime() - (i % 3) * 60_000);
        const id = uuidv7(at.getTime());
        writes.push(ev('received', id, at), ev(i === 0 ? 'errored' : 'transformed', id, at));
      }
      writes.push(ev('received', uuidv7(), new Date(now.getTime() - 2 * 3_600_000)));
      await store.write(writes.slice(0, 5));
      await store.write(writes.slice(5));
      expect((await store.counters())['adt']).toEqual({ received: 7, transformed: 5, errored: 1 });
      const series = await store.series('adt', 60, now);
      expect(series).toHaveLength(60);
      expect(series[59]!.minute.toISOString()).toBe('2026-12-07T09:30:00.000Z');
      expect(series.slice(57).map((m) => m.counts)).toEqual([
        { received: 2, transformed: 2 }, { received: 2, transformed: 2 }, { received: 2, transformed: 1, errored: 1 },
      ]);
      expect(series.slice(0, 57).every((m) => Object.keys(m.counts).length === 0)).toBe(true);
    });

    it('prunes messages older than the retention in small batches, with their content and hashes', async () => {
      const { store } = await fresh();
      const now = Date.now();
      const old: string[] = [];
      for (let i = 0; i < 7; i++) old.push(await oneMessage(store, 'full', now - 40 * 86_400_000 + i));
      await store.write([ev('refused', undefined, new Date(now - 40 * 86_400_000))]);
      const kept = await oneMessage(store, 'full', now);
      const before = new Date(now - 30 * 86_400_000);
      expect(await store.prune('adt', before, 3)).toBe(4); // 3 messages + the refused event
      expect(await store.prune('adt', before, 3)).toBe(3);
      expect(await store.prune('adt', before, 3)).toBe(1);
      expect(await store.prune('adt', before, 3)).toBe(0);
      for (const id of old) expect(await store.message(id)).toBeUndefined();
      expect((await store.message(kept))?.timeline).toHaveLength(5);
      expect((await store.search({ patientId: 'PAT-4711' })).items.map((s) => s.messageId)).toEqual([kept]);
    });

    it('keeps users, API tokens and sessions', async () => {
      const { store } = await fresh();
      const created = new Date(Date.UTC(2026, 11, 7));
      await store.putUser({ name: 'lan', role: 'operator', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', disabled: false, createdAt: created });
      await store.putUser({ name: 'admin', role: 'admin', passwordHash: 'scrypt$x', disabled: false, createdAt: created });
      await store.putUser({ name: 'lan', role: 'viewer', passwordHash: 'scrypt$y', disabled: true, createdAt: new Date() });
      expect(await store.user('lan')).toEqual({ name: 'lan', role: 'viewer', passwordHash: 'scrypt$y', disabled: true, createdAt: created });
      expect((await store.users()).map((u) => u.name)).toEqual(['admin', 'lan']);
      expect(await store.user('nobody')).toBeUndefined();
      await store.addToken({ id: 't1', user: 'admin', label: 'ci', hash: 'ab'.repeat(32), createdAt: created, revoked: false });
      await store.addToken({ id: 't2', user: 'lan', label: 'x', hash: 'cd'.repeat(32), createdAt: created, expiresAt: new Date(created.getTime() + 1000), revoked: false });
      await store.revokeToken('t1');
      expect(await store.tokenByHash('ab'.repeat(32))).toMatchObject({ id: 't1', user: 'admin', revoked: true });
      expect((await store.tokens('lan')).map((t) => [t.id, t.expiresAt?.getTime()])).toEqual([['t2', created.getTime() + 1000]]);
      expect(await store.tokens()).toHaveLength(2);
      await store.addSession({ idHash: 's-old', user: 'lan', createdAt: created, expiresAt: new Date(created.getTime() + 1000) });
      await store.addSession({ idHash: 's-new', user: 'admin', createdAt: created, expiresAt: new Date(Date.now() + 3_600_000) });
      expect(await store.pruneSessions(new Date())).toBe(1);
      expect(await store.session('s-old')).toBeUndefined();
      expect((await store.session('s-new'))?.user).toBe('admin');
      await store.deleteSession('s-new');
      expect(await store.session('s-new')).toBeUndefined();
    });

    it('appends the audit log, queries it newest first by page, and exports it as NDJSON oldest first', async () => {
      const { store } = await fresh();
      const t0 = Date.UTC(2026, 11, 7, 10);
      for (let i = 0; i < 12; i++) {
        await store.appendAudit({ at: new Date(t0 + i * 1000), actor: i % 2 ? 'lan' : 'admin', action: i % 3 ? 'message.view-content' : 'replay', target: `m-${i}`, outcome: 'ok', detail: { reason: 'wrong mapping, fixed', count: i } });
      }
      await store.appendAudit({ at: new Date(t0 + 20_000), actor: 'mallory', action: 'login', outcome: 'denied' });
      const first = await store.audit({ limit: 5 });
      expect(first.items.map((e) => e.actor)).toEqual(['mallory', 'lan', 'admin', 'lan', 'admin']);
      const second = await store.audit({ limit: 5, cursor: first.next! });
      expect(second.items[0]!.target).toBe('m-7');
      expect((await store.audit({ actor: 'admin', action: 'replay' })).items.map((e) => e.target)).toEqual(['m-6', 'm-0']);
      const lines: string[] = [];
      for await (const line of store.exportAudit({ from: new Date(t0 + 10_000) })) lines.push(line);
      expect(lines.map((l) => (JSON.parse(l) as { target?: string; action: string }).target ?? (JSON.parse(l) as { action: string }).action)).toEqual(['m-10', 'm-11', 'login']);
      expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
      expect(JSON.parse(lines[0]!)).toMatchObject({ actor: 'admin', action: 'message.view-content', outcome: 'ok', detail: { reason: 'wrong mapping, fixed', count: 10 } });
    });

    it('answers ping', async () => {
      const { store } = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
