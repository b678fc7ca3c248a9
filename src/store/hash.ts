/**
 * Patient identifiers are kept only as HMAC-SHA256(key, identifier): an exact search works
 * (the query is hashed the same way), the table alone does not give the identifiers back, and
 * without the key a dictionary of plausible identifiers (MRNs are short) cannot be tried
 * against it — which a plain hash would allow.
 *
 * The key is MEDIBUS_STORE_HASH_KEY (64 hex characters) or, when unset, a random key written
 * once to `<data dir>/store-hash.key` (mode 0600). Instances sharing one PostgreSQL must use
 * the same key, or they will not find each other's patients.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MedibusError } from '../errors.js';

export type IdHasher = (identifier: string) => string;

export function hasher(key: Buffer): IdHasher {
  // trimmed: `12345 ` and `12345` are the same identifier in every system we read from
  return (identifier) => createHmac('sha256', key).update(identifier.trim(), 'utf8').digest('base64url');
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export function hashKey(options: { readonly envKey?: string; readonly dataDir: string }): Buffer {
  if (options.envKey !== undefined && options.envKey !== '') {
    if (!HEX_KEY.test(options.envKey)) {
      throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', 'MEDIBUS_STORE_HASH_KEY must be 64 hexadecimal characters (32 bytes), e.g. from `openssl rand -hex 32`');
    }
    return Buffer.from(options.envKey, 'hex');
  }
  const file = path.join(options.dataDir, 'store-hash.key');
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!HEX_KEY.test(text)) throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', `${file} does not hold 64 hexadecimal characters`);
    return Buffer.from(text, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx': two processes creating it at once — the loser reads the winner's key
  try {
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    throw error;
  }
  return key;
}
