/**
 * Sealing of payloads at rest (file destination lines, message store bodies): AES-256-GCM
 * (NIST SP 800-38D) with a random 96-bit IV per payload (§8.2.2: the IV length GCM is built
 * for) and a 128-bit tag. The key id travels in the sealed bytes, so a key can be replaced
 * while data sealed under the old one stays readable as long as the old key is listed.
 *
 *   sealed = magic "MBS" 0x01 (4) | key id (4) | IV (12) | ciphertext (n) | tag (16)
 *
 * The 8 header bytes are the GCM additional authenticated data: changing the key id or the
 * version byte fails the tag check, as changing the ciphertext does.
 *
 * Keys come from the environment (the channel files never hold them):
 *   MEDIBUS_AT_REST_KEY            the current key: 32 bytes as base64 (`openssl rand -base64 32`) or 64 hex digits
 *   MEDIBUS_AT_REST_KEY_FILE       or a file holding it (base64, hex, or the 32 raw bytes)
 *   MEDIBUS_AT_REST_OLD_KEYS       older keys, comma-separated, for opening only
 *   MEDIBUS_AT_REST_OLD_KEY_FILES  files holding older keys, comma-separated
 * The key id is derived from the key (the first 4 bytes of SHA-256 over a fixed label and the
 * key), so nobody has to number keys, and two processes with the same key agree on the id.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MedibusError } from '../errors.js';

export const AT_REST_ENV = {
  key: 'MEDIBUS_AT_REST_KEY',
  keyFile: 'MEDIBUS_AT_REST_KEY_FILE',
  oldKeys: 'MEDIBUS_AT_REST_OLD_KEYS',
  oldKeyFiles: 'MEDIBUS_AT_REST_OLD_KEY_FILES',
} as const satisfies Record<string, string>;

const MAGIC = Buffer.from([0x4d, 0x42, 0x53, 0x01]);
const KEY_ID_LENGTH = 4;
const HEADER_LENGTH = MAGIC.length + KEY_ID_LENGTH;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
/** bytes a sealed payload has on top of the plain one */
export const SEAL_OVERHEAD = HEADER_LENGTH + IV_LENGTH + TAG_LENGTH;

export interface Sealer {
  /** hex id of the key `seal` uses (8 hex digits), for logs and the README's rotation steps */
  readonly keyId: string;
  /** hex ids of every key `open` accepts, the current one first */
  readonly keyIds: readonly string[];
  seal(plain: Buffer): Buffer;
  /** throws MEDIBUS_ERR_AT_REST_UNKNOWN_KEY or MEDIBUS_ERR_AT_REST_TAMPERED */
  open(sealed: Buffer): Buffer;
}

/** Whether `buf` starts as a sealed payload does (magic and version); says nothing of its integrity. */
export function isSealed(buf: Uint8Array): boolean {
  if (buf.length < SEAL_OVERHEAD) return false;
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * The sealer the environment configures, or undefined when no key is set (nothing is then
 * sealed). Throws MEDIBUS_ERR_AT_REST_KEY when a key is set but unusable (wrong length, not
 * base64/hex, unreadable file, both variable and file given), naming the variable.
 */
export function loadSealer(env: NodeJS.ProcessEnv = process.env): Sealer | undefined {
  const inline = nonEmpty(env[AT_REST_ENV.key]);
  const file = nonEmpty(env[AT_REST_ENV.keyFile]);
  const oldInline = list(env[AT_REST_ENV.oldKeys]);
  const oldFiles = list(env[AT_REST_ENV.oldKeyFiles]);
  if (inline !== undefined && file !== undefined) {
    throw keyError(`both ${AT_REST_ENV.key} and ${AT_REST_ENV.keyFile} are set; set one`);
  }
  if (inline === undefined && file === undefined) {
    if (oldInline.length > 0 || oldFiles.length > 0) {
      throw keyError(`${AT_REST_ENV.oldKeys}/${AT_REST_ENV.oldKeyFiles} are set without a current key (${AT_REST_ENV.key} or ${AT_REST_ENV.keyFile})`);
    }
    return undefined;
  }
  const current = inline === undefined ? keyFromFile(file!, AT_REST_ENV.keyFile) : keyFromText(inline, AT_REST_ENV.key);
  const older = [
    ...oldInline.map((text, i) => keyFromText(text, `${AT_REST_ENV.oldKeys}[${i + 1}]`)),
    ...oldFiles.map((path) => keyFromFile(path, AT_REST_ENV.oldKeyFiles)),
  ];
  return createSealer(current, older);
}

/** A sealer from raw 32-byte keys: `current` seals, every key opens. */
export function createSealer(current: Buffer, older: readonly Buffer[] = []): Sealer {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...older]) {
    if (key.length !== KEY_LENGTH) throw keyError(`an AES-256 key is ${KEY_LENGTH} bytes, this one is ${key.length}`);
    const id = keyIdOf(key);
    if (!keys.has(id)) keys.set(id, Buffer.from(key));
  }
  const currentId = keyIdOf(current);
  const currentIdBytes = Buffer.from(currentId, 'hex');
  const currentKey = keys.get(currentId)!;
  return {
    keyId: currentId,
    keyIds: [...keys.keys()],
    seal(plain: Buffer): Buffer {
      const header = Buffer.concat([MAGIC, currentIdBytes]);
      const iv = randomBytes(IV_LENGTH);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv, { authTagLength: TAG_LENGTH });
      cipher.setAAD(header);
      const body = cipher.update(plain);
      const final = cipher.final();
      return Buffer.concat([header, iv, body, final, cipher.getAuthTag()]);
    },
    open(sealed: Buffer): Buffer {
      if (!isSealed(sealed)) {
        throw new MedibusError('MEDIBUS_ERR_AT_REST_TAMPERED', `not a sealed payload: it does not start with the medibus at-rest header (or is shorter than ${SEAL_OVERHEAD} bytes)`);
      }
      const header = sealed.subarray(0, HEADER_LENGTH);
      const id = sealed.subarray(MAGIC.length, HEADER_LENGTH).toString('hex');
      const key = keys.get(id);
      if (key === undefined) {
        throw new MedibusError('MEDIBUS_ERR_AT_REST_UNKNOWN_KEY', `the payload was sealed with key ${id}, which is not configured (configured: ${[...keys.keys()].join(', ')})`);
      }
      const iv = sealed.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH);
      const tag = sealed.subarray(sealed.length - TAG_LENGTH);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
      decipher.setAAD(header);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed.subarray(HEADER_LENGTH + IV_LENGTH, sealed.length - TAG_LENGTH)), decipher.final()]);
      } catch (error) {
        throw new MedibusError('MEDIBUS_ERR_AT_REST_TAMPERED', `the payload sealed with key ${id} fails its integrity check: it was changed or truncated after sealing`, { cause: error });
      }
    },
  };
}

/** The 8-hex-digit id of a key (see the file comment). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('medibus at-rest key id\n').update(key).digest().subarray(0, KEY_ID_LENGTH).toString('hex');
}

function keyFromText(text: string, where: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === KEY_LENGTH) return bytes;
    throw keyError(`${where} decodes to ${bytes.length} bytes; an AES-256 key is ${KEY_LENGTH} (make one with: openssl rand -base64 32)`);
  }
  throw keyError(`${where} is neither base64 nor 64 hex digits (make a key with: openssl rand -base64 32)`);
}

function keyFromFile(path: string, where: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw keyError(`${where}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, error);
  }
  if (bytes.length === KEY_LENGTH && !/^[\x21-\x7e]+$/.test(bytes.toString('latin1'))) return bytes;
  return keyFromText(bytes.toString('latin1'), `${where} (${path})`);
}

function keyError(message: string, cause?: unknown): MedibusError {
  return new MedibusError('MEDIBUS_ERR_AT_REST_KEY', message, cause === undefined ? {} : { cause });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
