/**
 * `medibus user add NAME --role viewer|operator|admin` and `medibus user list`: the local
 * users of the dashboard and API, in the message store (MEDIBUS_STORE_URL, else the embedded
 * one). The password is asked for (or read from stdin), hashed with scrypt, never stored or
 * printed in clear. Adding a name that exists changes its role and password.
 */
import type { Readable } from 'node:stream';
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../ops/core/passwords.js';
import { ROLES, type MessageStore, type Role } from '../../store/types.js';
import { openCliStore } from '../open-store.js';
import { readPassword } from '../password-input.js';

const USAGE = `usage: medibus user add NAME --role viewer|operator|admin
       medibus user list

  add NAME --role R   create the user (or change its role and password); the password is
                      asked for twice, or read from the first line of stdin when piped
  list                the users and their roles

  roles: viewer (counters and states, no patient data), operator (messages, content, replay),
         admin (start/stop channels, users, the audit log)
  the store: MEDIBUS_STORE_URL (postgres://…), else the embedded one in MEDIBUS_DATA_DIR (./.medibus)
`;

export interface UserDeps extends CliDeps {
  readonly openStore?: () => Promise<MessageStore>;
  readonly stdin?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
}

export async function run(argv: string[], deps: UserDeps = {}): Promise<number> {
  const io = cliIo(deps);
  if (printedHelp(argv, io, USAGE)) return 0;
  const parsed = parseOptions({ args: argv, allowPositionals: true, options: { role: { type: 'string' } } });
  if (typeof parsed === 'string') return usageError(io, 'user', parsed, USAGE);
  const [sub, name, ...extra] = parsed.positionals;
  if (sub === 'list' && name === undefined) {
    const store = await (deps.openStore ?? openCliStore)();
    try {
      const users = await store.users();
      if (users.length === 0) io.out('no users yet: medibus user add NAME --role admin\n');
      for (const u of users) io.out(`${u.name}\t${u.role}${u.disabled ? '\tdisabled' : ''}\n`);
      return 0;
    } finally {
      await store.close();
    }
  }
  if (sub !== 'add') return usageError(io, 'user', sub === undefined ? 'say add or list' : `unknown subcommand "${sub}"`, USAGE);
  if (name === undefined || extra.length > 0) return usageError(io, 'user', name === undefined ? 'NAME is missing' : 'one NAME expected', USAGE);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return usageError(io, 'user', `user names are 1-64 letters, digits, . _ - (got "${name}")`, USAGE);
  const role = parsed.values.role;
  if (!ROLES.includes(role as Role)) return usageError(io, 'user', `--role must be one of ${ROLES.join(', ')}${role === undefined ? '' : ` (got "${role}")`}`, USAGE);
  const password = await readPassword({ ...(deps.stdin ? { stdin: deps.stdin } : {}), err: io.err });
  if (password.length < MIN_PASSWORD_LENGTH) {
    io.err(`medibus user: the password needs at least ${MIN_PASSWORD_LENGTH} characters\n`);
    return 1;
  }
  const store = await (deps.openStore ?? openCliStore)();
  try {
    const existing = await store.user(name);
    await store.putUser({ name, role: role as Role, passwordHash: await hashPassword(password), disabled: false, createdAt: existing?.createdAt ?? new Date() });
    await store.appendAudit({ at: new Date(), actor: `cli:${process.env['USER'] ?? 'unknown'}`, action: existing ? 'user.change' : 'user.add', target: name, outcome: 'ok', detail: { role: role! } });
    io.out(`${existing ? 'changed' : 'added'} user ${name} (${role})\n`);
    return 0;
  } finally {
    await store.close();
  }
}
