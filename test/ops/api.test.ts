/**
 * The operators' API through real HTTP (the app listening on 127.0.0.1:0) over a real engine,
 * RabbitMQ and FHIR server: every route refused without the right role (401/403, as
 * problem+json with a MEDIBUS_ERR code), every allowed action audited, pause/stop/start
 * acting on the listener, dead letters replayed with a reason, a dry run and a rate limit.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adt, sendOne, waitFor } from '../support/engine.js';
import { startOpsStack, type OpsStack } from '../support/ops.js';
import { newSecret, secretHash } from '../../src/ops/core/passwords.js';
import type { Role } from '../../src/store/types.js';

let stack: OpsStack;
const cookies: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  stack = await startOpsStack({ maxAttempts: 2, replaysPerMinute: 3 });
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    await stack.addUser(`an-${role}`, role);
    cookies[role] = await stack.login(`an-${role}`);
  }
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function call(method: string, path: string, options: { role?: Role; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; type: string; body: unknown; text: string }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.role) headers['cookie'] = cookies[options.role]!;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, text, body: /application\/(problem\+)?json/.test(type) ? (JSON.parse(text) as unknown) : undefined };
}

async function auditActions(): Promise<{ actor: string; action: string; target?: string; outcome: string; detail?: Record<string, unknown> }[]> {
  const { body } = await call('GET', '/api/audit?limit=500', { role: 'admin' });
  return (body as { entries: { actor: string; action: string; target?: string; outcome: string; detail?: Record<string, unknown> }[] }).entries;
}

/** the destination's queue depths and oldest-waiting age, as GET /api/channels/:id gives them */
function waiting(body: unknown, destination: string): { dead: number; queued: number; oldestMs: number | null } {
  const b = body as { queues?: { destinations: { name: string; waiting: number; retrying: number; dead: number }[] }; oldestWaitingMs: Record<string, number | null> };
  const q = b.queues?.destinations.find((d) => d.name === destination);
  return { dead: q?.dead ?? -1, queued: (q?.waiting ?? 0) + (q?.retrying ?? 0), oldestMs: b.oldestWaitingMs[destination] ?? null };
}

function channelCounts(body: unknown): { received: number; transformed: number; destinations: Record<string, { sent: number; retrying: number; dead: number }> } {
  return (body as { counts: ReturnType<typeof channelCounts> }).counts;
}

describe('who may do what', () => {
  const routes = (): { method: string; path: string; role: Role; body?: unknown }[] => [
    { method: 'GET', path: '/api/channels', role: 'viewer' },
    { method: 'GET', path: `/api/channels/${stack.channelId}`, role: 'viewer' },
    { method: 'GET', path: '/api/live', role: 'viewer' },
    { method: 'GET', path: '/api/messages', role: 'operator' },
    { method: 'GET', path: '/api/messages/0190f0f0-0000-7000-8000-000000000000', role: 'operator' },
    { method: 'GET', path: `/api/channels/${stack.channelId}/dead/emr`, role: 'operator' },
    { method: 'POST', path: `/api/channels/${stack.channelId}/replay`, role: 'operator', body: { queue: 'emr', all: true, dryRun: true } },
    { method: 'POST', path: `/api/channels/${stack.channelId}/pause`, role: 'admin', body: {} },
    { method: 'POST', path: `/api/channels/${stack.channelId}/stop`, role: 'admin', body: {} },
    { method: 'POST', path: `/api/channels/${stack.channelId}/start`, role: 'admin', body: {} },
    { method: 'GET', path: '/api/audit', role: 'admin' },
    { method: 'GET', path: '/api/audit.ndjson', role: 'admin' },
    { method: 'GET', path: '/api/users', role: 'admin' },
    { method: 'POST', path: '/api/users', role: 'admin', body: { name: 'x', role: 'viewer', password: 'long-enough-1' } },
  ];

  it('refuses every route without a login (401) and with too small a role (403), as problem+json', async () => {
    const order: Role[] = ['viewer', 'operator', 'admin'];
    for (const r of routes()) {
      const anonymous = await call(r.method, r.path, { body: r.body });
      expect([r.path, anonymous.status]).toEqual([r.path, 401]);
      expect(anonymous.type).toContain('application/problem+json');
      expect((anonymous.body as { code: string }).code).toBe('MEDIBUS_ERR_OPS_UNAUTHENTICATED');
      for (const role of order.slice(0, order.indexOf(r.role))) {
        const refused = await call(r.method, r.path, { role, body: r.body });
        expect([r.path, role, refused.status]).toEqual([r.path, role, 403]);
        expect((refused.body as { code: string }).code).toBe('MEDIBUS_ERR_OPS_FORBIDDEN');
      }
    }
  });

  it('audits logins, good and bad; a wrong password is 401 and no cookie', async () => {
    const res = await fetch(`${stack.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'an-admin', password: 'wrong password' }) });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const audit = await auditActions();
    expect(audit.filter((e) => e.action === 'login' && e.outcome === 'ok').map((e) => e.actor)).toEqual(expect.arrayContaining(['an-viewer', 'an-operator', 'an-admin']));
    expect(audit.some((e) => e.action === 'login' && e.outcome === 'denied' && e.actor === 'an-admin')).toBe(true);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Secure; logout ends the session', async () => {
    await stack.addUser('short-lived', 'viewer');
    const res = await fetch(`${stack.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'short-lived', password: 'mật-khẩu-đủ-dài' }) });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Secure/);
    const cookie = setCookie.split(';')[0]!;
    expect((await fetch(`${stack.base}/api/me`, { headers: { cookie } })).status).toBe(200);
    await fetch(`${stack.base}/api/logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect((await fetch(`${stack.base}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('takes an API token with its user role, and refuses an unknown one', async () => {
    const secret = newSecret('mbt_');
    await stack.store.addToken({ id: 'tok-1', user: 'an-operator', label: 'ci', hash: secretHash(secret), createdAt: new Date(), revoked: false });
    expect((await call('GET', '/api/messages', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    expect((await call('GET', '/api/audit', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(403);
    expect((await call('GET', '/api/messages', { headers: { authorization: 'Bearer mbt_nope' } })).status).toBe(401);
  });
});

describe('channels, messages, replay', () => {
  it('counts a message end to end, finds it by control ID, and audits the view of it', async () => {
    const controlId = `API-${Date.now()}`;
    expect(await sendOne(stack.mllpPort(), adt(controlId, 'MRN-API-1'))).toMatch(/MSA\|AA/);
    await waitFor(async () => channelCounts((await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body).destinations['emr']?.sent === 1, 15_000, 'sent to emr');
    const found = await call('GET', `/api/messages?controlId=${controlId}`, { role: 'operator' });
    const messages = (found.body as { messages: { messageId: string; sourceId: string }[] }).messages;
    expect(messages.map((m) => m.sourceId)).toEqual([controlId]);
    type Shown = { timeline: { status: string }[]; payload: string; bundle: string };
    // the store writes in batches off the message path: the last event lands a moment later
    let shown: Shown = { timeline: [], payload: '', bundle: '' };
    await waitFor(async () => {
      shown = (await call('GET', `/api/messages/${messages[0]!.messageId}`, { role: 'operator' })).body as Shown;
      return shown.timeline.some((e) => e.status === 'sent');
    }, 15_000, 'the sent event stored');
    expect(shown.timeline.map((e) => e.status)).toEqual(expect.arrayContaining(['received', 'transformed', 'sent']));
    // the input as received and the FHIR output, UTF-8 intact
    expect(shown.payload).toContain('PID|1||MRN-API-1^^^BV-CHO-RAY^MR||Nguyễn^Thị Ánh');
    const bundle = JSON.parse(shown.bundle) as { resourceType: string; entry: { resource: { resourceType: string; name?: { family?: string }[] } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource.name?.[0]?.family).toBe('Nguyễn');
    const audit = await auditActions();
    expect(audit.some((e) => e.actor === 'an-operator' && e.action === 'message.view-content' && e.target === messages[0]!.messageId)).toBe(true);
  });

  it('pause closes the listener, /ready says so; start opens it again; both audited', async () => {
    expect((await call('GET', '/ready')).status).toBe(200);
    const port = stack.mllpPort();
    expect((await call('POST', `/api/channels/${stack.channelId}/pause`, { role: 'admin', body: { reason: 'bảo trì' } })).status).toBe(200);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    const ready = await call('GET', '/ready');
    expect(ready.status).toBe(503);
    expect((ready.body as { checks: Record<string, { ok: boolean }> }).checks[`channel:${stack.channelId}`]!.ok).toBe(false);
    expect((await call('POST', `/api/channels/${stack.channelId}/stop`, { role: 'admin', body: {} })).status).toBe(200);
    expect((await call('POST', `/api/channels/${stack.channelId}/start`, { role: 'admin', body: {} })).status).toBe(200);
    const sentBefore = channelCounts((await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body).destinations['emr']!.sent;
    expect(await sendOne(stack.mllpPort(), adt(`API-AFTER-${Date.now()}`, 'MRN-API-2'))).toMatch(/MSA\|AA/);
    // the workers built anew by the start deliver it
    await waitFor(async () => channelCounts((await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body).destinations['emr']!.sent === sentBefore + 1, 15_000, 'sent after restart');
    expect((await call('GET', '/ready')).status).toBe(200);
    const actions = (await auditActions()).filter((e) => e.target === stack.channelId).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['an-admin channel.pause', 'an-admin channel.stop', 'an-admin channel.start']));
  });

  it('parks a message dead while the destination is down, counts it dry, refuses a replay without reason, replays it with one', async () => {
    const beforeBody = (await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body;
    const before = channelCounts(beforeBody).destinations['emr']!;
    expect(waiting(beforeBody, 'emr')).toMatchObject({ dead: 0, oldestMs: null });
    stack.proxy.down();
    const controlId = `DEAD-${Date.now()}`;
    expect(await sendOne(stack.mllpPort(), adt(controlId, 'MRN-DEAD-1'))).toMatch(/MSA\|AA/);
    let last: unknown;
    await waitFor(async () => {
      last = (await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body;
      return channelCounts(last).destinations['emr']!.dead === before.dead + 1;
    }, 20_000, 'dead-lettered').catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(last)}`);
    });
    // the message waits for the destination that is down: its dead queue holds it, its age is
    // shown and grows, in the API and in /metrics
    const ours = `/api/channels/${stack.channelId}`;
    // depths are sampled at most once a second: the dead queue's count follows within one
    let first = waiting(last, 'emr');
    await waitFor(async () => {
      first = waiting((await call('GET', ours, { role: 'viewer' })).body, 'emr');
      return first.dead >= 1 && first.oldestMs !== null;
    }, 10_000, 'the dead queue counted').catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(first)}`);
    });
    let later = first;
    await waitFor(async () => {
      later = waiting((await call('GET', ours, { role: 'viewer' })).body, 'emr');
      return later.oldestMs !== null && later.oldestMs >= first.oldestMs! + 1500;
    }, 15_000, 'the oldest-waiting age grows').catch((error: unknown) => {
      throw new Error(`${String(error)}: first ${JSON.stringify(first)}, last ${JSON.stringify(later)}`);
    });
    const metrics = (await call('GET', '/metrics')).text;
    const gauge = new RegExp(`medibus_oldest_waiting_seconds\\{channel="${stack.channelId}",destination="emr"\\} ([0-9.e+-]+)`).exec(metrics);
    expect(gauge, 'medibus_oldest_waiting_seconds for emr').not.toBeNull();
    expect(Number(gauge![1])).toBeGreaterThanOrEqual(later.oldestMs! / 1000);
    expect(metrics).toMatch(new RegExp(`medibus_queue_messages\\{channel="${stack.channelId}",queue="dead",destination="emr"\\} [1-9]`));
    const list = await call('GET', `/api/channels/${stack.channelId}/dead/emr`, { role: 'operator' });
    const dead = (list.body as { messages: { id: string; controlId: string; code: string }[] }).messages;
    const entry = dead.find((m) => m.controlId === controlId)!;
    expect(entry.code).toBe('MEDIBUS_ERR_DELIVERY_TRANSIENT');
    const dry = await call('POST', `/api/channels/${stack.channelId}/replay`, { role: 'operator', body: { queue: 'emr', ids: [entry.id], dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, wouldReplay: 1 });
    const noReason = await call('POST', `/api/channels/${stack.channelId}/replay`, { role: 'operator', body: { queue: 'emr', ids: [entry.id] } });
    expect(noReason.status).toBe(400);
    expect((noReason.body as { code: string }).code).toBe('MEDIBUS_ERR_OPS_REASON_REQUIRED');
    stack.proxy.up();
    const done = await call('POST', `/api/channels/${stack.channelId}/replay`, { role: 'operator', body: { queue: 'emr', ids: [entry.id], reason: 'EMR đã hoạt động lại' } });
    expect(done.body).toMatchObject({ replayed: [entry.id], missing: [] });
    await waitFor(async () => channelCounts((await call('GET', `/api/channels/${stack.channelId}`, { role: 'viewer' })).body).destinations['emr']!.sent > before.sent, 15_000, 'delivered after replay');
    // delivered: nothing waits any more (the sampler caches depths for 1 s)
    await waitFor(async () => waiting((await call('GET', ours, { role: 'viewer' })).body, 'emr').oldestMs === null, 10_000, 'no oldest-waiting age once delivered');
    const replays = (await auditActions()).filter((e) => e.action === 'replay');
    expect(replays[0]).toMatchObject({ actor: 'an-operator', outcome: 'ok', detail: { reason: 'EMR đã hoạt động lại', count: 1 } });
  }, 60_000);

  it('finds a failed transform in the failed queue and the store, shows it, and replays it through the mapping again, audited', async () => {
    // no MRN (PID-3.1 empty): the adt mapping has no key for the Patient and fails the message
    const controlId = `FAIL-${Date.now()}`;
    expect(await sendOne(stack.mllpPort(), adt(controlId, ''))).toMatch(/MSA\|AA/);
    type Listed = { messages: { id: string; controlId: string; code: string }[] };
    const failedList = async (): Promise<Listed['messages']> => ((await call('GET', `/api/channels/${stack.channelId}/dead/failed`, { role: 'operator' })).body as Listed).messages.filter((m) => m.controlId === controlId);
    let listed: Listed['messages'] = [];
    await waitFor(async () => (listed = await failedList()).length === 1, 15_000, 'in the failed queue');
    expect(listed[0]!.code).toBe('MEDIBUS_ERR_MAPPING_RUNTIME');
    const messageId = listed[0]!.id;
    // the store has it as errored, with its code (its input is not stored for a failed transform: a known gap)
    type Shown = { status: string; timeline: { status: string; code?: string }[]; payload: string };
    let shown: Shown = { status: '', timeline: [], payload: '' };
    await waitFor(async () => {
      const found = (await call('GET', `/api/messages?controlId=${controlId}&status=errored`, { role: 'operator' })).body as { messages: { messageId: string }[] };
      if (found.messages[0]?.messageId !== messageId) return false;
      shown = (await call('GET', `/api/messages/${messageId}`, { role: 'operator' })).body as Shown;
      return shown.timeline.some((e) => e.status === 'errored');
    }, 15_000, 'errored in the store');
    expect(shown.timeline.find((e) => e.status === 'errored')?.code).toBe('MEDIBUS_ERR_MAPPING_RUNTIME');
    // replayed by the operator (the rate-limit test below counts the admin's replays)
    const done = await call('POST', `/api/channels/${stack.channelId}/replay`, { role: 'operator', body: { queue: 'failed', ids: [messageId], reason: 'mapping sửa xong' } });
    expect(done.body).toMatchObject({ replayed: [messageId], missing: [] });
    const replay = (await auditActions()).find((e) => e.action === 'replay' && e.actor === 'an-operator' && (e.detail as { reason?: string } | undefined)?.reason === 'mapping sửa xong');
    expect(replay).toMatchObject({ outcome: 'ok', detail: { reason: 'mapping sửa xong', count: 1 } });
    // mapped again: the mapping is unchanged here, so it fails again and is back in the failed
    // queue once (not lost, not twice), its timeline saying replayed then errored again
    await waitFor(async () => {
      shown = (await call('GET', `/api/messages/${messageId}`, { role: 'operator' })).body as Shown;
      const statuses = shown.timeline.map((e) => e.status);
      return statuses.lastIndexOf('errored') > statuses.indexOf('replayed') && statuses.includes('replayed');
    }, 15_000, 'mapped again after the replay');
    await waitFor(async () => (await failedList()).length === 1, 10_000, 'back in the failed queue once');
  }, 60_000);

  it('limits replays per user and minute (429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('POST', `/api/channels/${stack.channelId}/replay`, { role: 'admin', body: { queue: 'emr', all: true, reason: 'rate test' } })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('standard endpoints and documents', () => {
  it('/metrics has per-channel and per-destination counters, the ACK latency histogram and queue depths', async () => {
    const { text, status } = await call('GET', '/metrics');
    expect(status).toBe(200);
    expect(text).toMatch(new RegExp(`medibus_messages_total\\{channel="${stack.channelId}",status="received"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`medibus_deliveries_total\\{channel="${stack.channelId}",destination="emr",status="sent"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`medibus_ack_latency_seconds_count\\{channel="${stack.channelId}"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`medibus_queue_messages\\{channel="${stack.channelId}",queue="dead",destination="emr"\\} \\d+`));
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('publishes an OpenAPI document of every API route', async () => {
    const { body } = await call('GET', '/api/openapi.json');
    const doc = body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/channels', '/api/channels/{id}/replay', '/api/messages/{id}', '/api/audit.ndjson', '/metrics']));
  });

  it('exports the audit log as NDJSON, one entry per line, and audits the export', async () => {
    const { text, type } = await call('GET', '/api/audit.ndjson', { role: 'admin' });
    expect(type).toContain('application/x-ndjson');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
    expect(lines.some((l) => l.action === 'login')).toBe(true);
    expect((await auditActions()).some((e) => e.action === 'audit.export' && e.actor === 'an-admin')).toBe(true);
  });

  it('serves the dashboard in UTF-8 with Vietnamese text intact, and no patient data to a viewer', async () => {
    const res = await fetch(`${stack.base}/`, { headers: { cookie: cookies.viewer! } });
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('ADT từ HIS (Bệnh viện Chợ Rẫy)');
    expect(html).not.toContain('Nguyễn');
    expect(html).not.toContain('id="browser"');
    expect((await fetch(`${stack.base}/`, { redirect: 'manual' })).status).toBe(302);
  });
});
