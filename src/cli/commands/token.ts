/**
 * `medibus token add --user NAME [--label L] [--days N]`: an API token for automation. It
 * acts with its user's role; the secret is printed once, the store keeps its SHA-256.
 */
import { randomUUID } from 'node:crypto';
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { newSecret, secretHash } from '../../ops/core/passwords.js';
import type { MessageStore } from '../../store/types.js';
import { openCliStore } from '../open-store.js';

const USAGE = `usage: medibus token add --user NAME [--label LABEL] [--days N]

  --user NAME    the user the token acts as (with that user's role)
  --label LABEL  what it is for, e.g. monitoring (default: api)
  --days N       expires after N days (default: never)

The token is printed once; send it as "Authorization: Bearer <token>".
`;

export interface TokenDeps extends CliDeps {
  readonly openStore?: () => Promise<MessageStore>;
}

export async function run(argv: string[], deps: TokenDeps = {}): Promise<number> {
  const io = cliIo(deps);
  if (printedHelp(argv, io, USAGE)) return 0;
  const parsed = parseOptions({ args: argv, allowPositionals: true, options: { user: { type: 'string' }, label: { type: 'string', default: 'api' }, days: { type: 'string' } } });
  if (typeof parsed === 'string') return usageError(io, 'token', parsed, USAGE);
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'add') return usageError(io, 'token', 'say add', USAGE);
  const { user: userName, label, days } = parsed.values;
  if (userName === undefined) return usageError(io, 'token', '--user NAME is missing', USAGE);
  const lifetime = days === undefined ? undefined : Number(days);
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime > 0)) return usageError(io, 'token', `--days must be a positive integer, got "${days}"`, USAGE);
  const store = await (deps.openStore ?? openCliStore)();
  try {
    const user = await store.user(userName);
    if (!user) {
      io.err(`medibus token: no user "${userName}" (medibus user add ${userName} --role R)\n`);
      return 1;
    }
    const secret = newSecret('mbt_');
    const now = new Date();
    const id = randomUUID();
    await store.addToken({ id, user: user.name, label, hash: secretHash(secret), createdAt: now, revoked: false, ...(lifetime ? { expiresAt: new Date(now.getTime() + lifetime * 86_400_000) } : {}) });
    await store.appendAudit({ at: now, actor: `cli:${process.env['USER'] ?? 'unknown'}`, action: 'token.add', target: user.name, outcome: 'ok', detail: { label, tokenId: id } });
    io.out(`${secret}\n`);
    io.err(`token ${id} for ${user.name} (${user.role}); shown once, keep it in your secret store\n`);
    return 0;
  } finally {
    await store.close();
  }
}
