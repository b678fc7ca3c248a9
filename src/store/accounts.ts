/**
 * Users, API tokens, sessions and the audit log: small tables the management API (branch ops)
 * reads and writes directly, not through the batch writer — a login or an audit entry is on
 * the path of the request that makes it.
 */
import { MedibusError } from '../errors.js';
import type { Queryable, Row } from './db.js';
import { decodeCursor, encodeCursor } from './read.js';
import type { ApiToken, AuditEntry, AuditQuery, Page, Role, Session, StoredAuditEntry, User } from './types.js';

interface UserRow extends Row {
  name: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at: number;
}

const user = (r: UserRow): User => ({ name: r.name, role: r.role as Role, passwordHash: r.password_hash, disabled: r.disabled === 1, createdAt: new Date(r.created_at) });

export async function putUser(q: Queryable, u: User): Promise<void> {
  await q.run(
    `INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, disabled = excluded.disabled`,
    [u.name, u.role, u.passwordHash, u.disabled ? 1 : 0, u.createdAt.getTime()],
  );
}

export async function getUser(q: Queryable, name: string): Promise<User | undefined> {
  const [r] = await q.all<UserRow>('SELECT * FROM users WHERE name = ?', [name]);
  return r ? user(r) : undefined;
}

export async function listUsers(q: Queryable): Promise<User[]> {
  return (await q.all<UserRow>('SELECT * FROM users ORDER BY name')).map(user);
}

interface TokenRow extends Row {
  id: string;
  user_name: string;
  label: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked: number;
}

const token = (r: TokenRow): ApiToken => ({
  id: r.id,
  user: r.user_name,
  label: r.label,
  hash: r.hash,
  createdAt: new Date(r.created_at),
  ...(r.expires_at === null ? {} : { expiresAt: new Date(r.expires_at) }),
  revoked: r.revoked === 1,
});

export async function addToken(q: Queryable, t: ApiToken): Promise<void> {
  await q.run('INSERT INTO api_tokens (id, user_name, label, hash, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    t.id, t.user, t.label, t.hash, t.createdAt.getTime(), t.expiresAt?.getTime() ?? null, t.revoked ? 1 : 0,
  ]);
}

export async function tokenByHash(q: Queryable, hash: string): Promise<ApiToken | undefined> {
  const [r] = await q.all<TokenRow>('SELECT * FROM api_tokens WHERE hash = ?', [hash]);
  return r ? token(r) : undefined;
}

export async function listTokens(q: Queryable, userName?: string): Promise<ApiToken[]> {
  const rows = userName === undefined
    ? await q.all<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id')
    : await q.all<TokenRow>('SELECT * FROM api_tokens WHERE user_name = ? ORDER BY created_at, id', [userName]);
  return rows.map(token);
}

export async function revokeToken(q: Queryable, id: string): Promise<void> {
  await q.run('UPDATE api_tokens SET revoked = 1 WHERE id = ?', [id]);
}

interface SessionRow extends Row {
  id_hash: string;
  user_name: string;
  created_at: number;
  expires_at: number;
}

export async function addSession(q: Queryable, s: Session): Promise<void> {
  await q.run('INSERT INTO sessions (id_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)', [s.idHash, s.user, s.createdAt.getTime(), s.expiresAt.getTime()]);
}

export async function getSession(q: Queryable, idHash: string): Promise<Session | undefined> {
  const [r] = await q.all<SessionRow>('SELECT * FROM sessions WHERE id_hash = ?', [idHash]);
  return r ? { idHash: r.id_hash, user: r.user_name, createdAt: new Date(r.created_at), expiresAt: new Date(r.expires_at) } : undefined;
}

export async function deleteSession(q: Queryable, idHash: string): Promise<void> {
  await q.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
}

export function pruneSessions(q: Queryable, now: Date): Promise<number> {
  return q.run('DELETE FROM sessions WHERE expires_at <= ?', [now.getTime()]);
}

interface AuditRow extends Row {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
}

const audit = (r: AuditRow): StoredAuditEntry => ({
  seq: r.seq,
  at: new Date(r.at),
  actor: r.actor,
  action: r.action,
  ...(r.target === null ? {} : { target: r.target }),
  outcome: r.outcome as AuditEntry['outcome'],
  ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as NonNullable<AuditEntry['detail']> }),
});

export async function appendAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.run('INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    e.at.getTime(), e.actor, e.action, e.target ?? null, e.outcome, e.detail === undefined ? null : JSON.stringify(e.detail),
  ]);
}

function auditWhere(query: AuditQuery): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.from) (where.push('at >= ?'), params.push(query.from.getTime()));
  if (query.to) (where.push('at < ?'), params.push(query.to.getTime()));
  if (query.actor !== undefined) (where.push('actor = ?'), params.push(query.actor));
  if (query.action !== undefined) (where.push('action = ?'), params.push(query.action));
  return { sql: where.join(' AND '), params };
}

function seqCursor(cursor: string): number {
  const n = Number(decodeCursor(cursor));
  if (!Number.isSafeInteger(n)) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'the audit cursor is not one this store gave out');
  return n;
}

/** newest first */
export async function queryAudit(q: Queryable, query: AuditQuery): Promise<Page<StoredAuditEntry>> {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
  const { sql, params } = auditWhere(query);
  const where = [sql, query.cursor === undefined ? '' : 'seq < ?'].filter(Boolean).join(' AND ');
  if (query.cursor !== undefined) params.push(seqCursor(query.cursor));
  const rows = await q.all<AuditRow>(`SELECT * FROM audit ${where ? `WHERE ${where}` : ''} ORDER BY seq DESC LIMIT ?`, [...params, limit + 1]);
  const items = rows.slice(0, limit).map(audit);
  return rows.length > limit ? { items, next: encodeCursor(String(items[items.length - 1]!.seq)) } : { items };
}

/** oldest first, 1000 rows per round trip, one JSON object per line (each ends in \n) */
export async function* exportAudit(q: Queryable, query: AuditQuery): AsyncIterable<string> {
  const { sql, params } = auditWhere(query);
  let after = 0;
  for (;;) {
    const where = [sql, 'seq > ?'].filter(Boolean).join(' AND ');
    const rows = await q.all<AuditRow>(`SELECT * FROM audit WHERE ${where} ORDER BY seq LIMIT 1000`, [...params, after]);
    for (const r of rows) yield `${JSON.stringify(audit(r))}\n`;
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.seq;
  }
}
