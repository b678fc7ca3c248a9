/**
 * `medibus user add` and `medibus token add` against the real embedded store: the password
 * comes from stdin, is kept as a scrypt hash (never in clear), the role is checked, a short
 * password is refused; a token is printed once and only its hash is stored.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { run as user } from '../../src/cli/commands/user.js';
import { run as token } from '../../src/cli/commands/token.js';
import { openCliStore } from '../../src/cli/open-store.js';
import { secretHash, verifyPassword } from '../../src/ops/core/passwords.js';

let dir: string;
let out: string[];
let err: string[];
const open = () => openCliStore({ MEDIBUS_DATA_DIR: dir });
const io = () => ({ out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), openStore: open });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medibus-user-'));
  out = [];
  err = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('adds a user with a scrypt hash of the password read from stdin, and lists it', async () => {
  expect(await user(['add', 'lan', '--role', 'admin'], { ...io(), stdin: Readable.from(['Mật khẩu của Lan 2026\n']) })).toBe(0);
  expect(out.join('')).toBe('added user lan (admin)\n');
  const store = await open();
  const saved = await store.user('lan');
  const audit = await store.audit({});
  await store.close();
  expect(saved?.role).toBe('admin');
  expect(saved?.passwordHash).toMatch(/^scrypt\$/);
  expect(saved?.passwordHash).not.toContain('Mật khẩu');
  expect(await verifyPassword('Mật khẩu của Lan 2026', saved!.passwordHash)).toBe(true);
  expect(await verifyPassword('wrong', saved!.passwordHash)).toBe(false);
  expect(audit.items.map((e) => e.action)).toEqual(['user.add']);
  out = [];
  expect(await user(['list'], io())).toBe(0);
  expect(out.join('')).toBe('lan\tadmin\n');
});

it('refuses an unknown role (usage, exit 2) and a short password (exit 1), storing nothing', async () => {
  expect(await user(['add', 'lan', '--role', 'root'], { ...io(), stdin: Readable.from(['long enough password\n']) })).toBe(2);
  expect(err.join('')).toContain('--role must be one of viewer, operator, admin (got "root")');
  expect(await user(['add', 'lan', '--role', 'viewer'], { ...io(), stdin: Readable.from(['short\n']) })).toBe(1);
  expect(err.join('')).toContain('at least 10 characters');
  const store = await open();
  expect(await store.users()).toEqual([]);
  await store.close();
});

it('prints a token once and stores only its SHA-256, for an existing user', async () => {
  expect(await token(['add', '--user', 'nobody'], io())).toBe(1);
  await user(['add', 'ci', '--role', 'operator'], { ...io(), stdin: Readable.from(['a long password\n']) });
  out = [];
  expect(await token(['add', '--user', 'ci', '--label', 'monitoring'], io())).toBe(0);
  const secret = out.join('').trim();
  expect(secret).toMatch(/^mbt_[A-Za-z0-9_-]{43}$/);
  const store = await open();
  const saved = await store.tokenByHash(secretHash(secret));
  const all = await store.tokens();
  await store.close();
  expect(saved).toMatchObject({ user: 'ci', label: 'monitoring', revoked: false });
  expect(JSON.stringify(all)).not.toContain(secret);
});
