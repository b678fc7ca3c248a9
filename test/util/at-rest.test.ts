import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { createSealer, isSealed, keyIdOf, loadSealer, SEAL_OVERHEAD } from '../../src/util/at-rest.js';

const plain = Buffer.from('MSH|^~\\&|LAB|H|EMR|H|20261207||ORU^R01|1|P|2.5.1\rPID|1||12345^^^H||DOE^JANE\r', 'utf8');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof MedibusError ? error.code : `not a MedibusError: ${String(error)}`;
  }
  return undefined;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medibus-at-rest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seal and open', () => {
  const sealer = createSealer(randomBytes(32));

  it('opens what it sealed, and the sealed bytes do not hold the plain text', () => {
    const sealed = sealer.seal(plain);
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(plain)).toBe(false);
    expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(sealed.includes(Buffer.from('DOE^JANE'))).toBe(false);
    expect(sealer.open(sealed).equals(plain)).toBe(true);
  });

  it('seals the same payload differently each time (a fresh IV)', () => {
    expect(sealer.seal(plain).equals(sealer.seal(plain))).toBe(false);
  });

  it('refuses a payload with one bit flipped anywhere: header, IV, body or tag', () => {
    const sealed = sealer.seal(plain);
    for (const at of [3, 12, 30, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x01;
      const code = codeOf(() => sealer.open(bad));
      // flipping a key-id byte makes the id unknown; anything else fails the tag
      expect(code === 'MEDIBUS_ERR_AT_REST_TAMPERED' || (at >= 4 && at < 8 && code === 'MEDIBUS_ERR_AT_REST_UNKNOWN_KEY')).toBe(true);
    }
    expect(codeOf(() => sealer.open(sealed.subarray(0, sealed.length - 1)))).toBe('MEDIBUS_ERR_AT_REST_TAMPERED');
    expect(codeOf(() => sealer.open(plain))).toBe('MEDIBUS_ERR_AT_REST_TAMPERED');
  });
});

describe('rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('opens data sealed under the old key once the old key is listed, and seals under the new one', () => {
    const before = loadSealer({ MEDIBUS_AT_REST_KEY: oldKey.toString('base64') })!;
    const sealedOld = before.seal(plain);
    const after = loadSealer({ MEDIBUS_AT_REST_KEY: newKey.toString('hex'), MEDIBUS_AT_REST_OLD_KEYS: oldKey.toString('base64') })!;
    expect(after.keyId).toBe(keyIdOf(newKey));
    expect(after.keyIds).toEqual([keyIdOf(newKey), keyIdOf(oldKey)]);
    expect(after.open(sealedOld).equals(plain)).toBe(true);
    const sealedNew = after.seal(plain);
    expect(sealedNew.subarray(4, 8).toString('hex')).toBe(keyIdOf(newKey));
    // the old process cannot read what the new key sealed, and says which key it lacks
    expect(() => before.open(sealedNew)).toThrow(new RegExp(`sealed with key ${keyIdOf(newKey)}, which is not configured`));
  });

  it('without the old key listed, old data is refused with MEDIBUS_ERR_AT_REST_UNKNOWN_KEY', () => {
    const sealedOld = createSealer(oldKey).seal(plain);
    expect(codeOf(() => createSealer(newKey).open(sealedOld))).toBe('MEDIBUS_ERR_AT_REST_UNKNOWN_KEY');
  });

  it('reads keys from files: base64 text and raw bytes', async () => {
    const textFile = path.join(dir, 'current.key');
    const rawFile = path.join(dir, 'old.key');
    await writeFile(textFile, `${newKey.toString('base64')}\n`);
    await writeFile(rawFile, oldKey);
    const sealer = loadSealer({ MEDIBUS_AT_REST_KEY_FILE: textFile, MEDIBUS_AT_REST_OLD_KEY_FILES: rawFile })!;
    expect(sealer.keyIds).toEqual([keyIdOf(newKey), keyIdOf(oldKey)]);
    expect(sealer.open(createSealer(oldKey).seal(plain)).equals(plain)).toBe(true);
  });
});

describe('loadSealer configuration errors', () => {
  it('returns undefined when no key is set', () => {
    expect(loadSealer({})).toBeUndefined();
    expect(loadSealer({ MEDIBUS_AT_REST_KEY: '  ' })).toBeUndefined();
  });

  it.each([
    ['a short key', { MEDIBUS_AT_REST_KEY: randomBytes(16).toString('base64') }, /decodes to 16 bytes/],
    ['not base64', { MEDIBUS_AT_REST_KEY: 'not a key!' }, /neither base64 nor 64 hex/],
    ['both variable and file', { MEDIBUS_AT_REST_KEY: randomBytes(32).toString('base64'), MEDIBUS_AT_REST_KEY_FILE: '/x' }, /both MEDIBUS_AT_REST_KEY and MEDIBUS_AT_REST_KEY_FILE/],
    ['a missing file', { MEDIBUS_AT_REST_KEY_FILE: '/nonexistent/medibus.key' }, /cannot read \/nonexistent\/medibus.key: ENOENT/],
    ['old keys without a current one', { MEDIBUS_AT_REST_OLD_KEYS: randomBytes(32).toString('base64') }, /without a current key/],
  ])('%s is MEDIBUS_ERR_AT_REST_KEY naming the cause', (_name, env, message) => {
    expect(codeOf(() => loadSealer(env))).toBe('MEDIBUS_ERR_AT_REST_KEY');
    expect(() => loadSealer(env)).toThrow(message);
  });
});
