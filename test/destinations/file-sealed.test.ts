/**
 * The file destination with encryption at rest: the lines on disk hold no patient data,
 * `medibus unseal` gives back exactly the clear lines, a key rotation keeps the old lines
 * readable while the old key is listed, and a changed line is reported, not printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as unseal } from '../../src/cli/commands/unseal.js';
import { fileDestination, fileLine } from '../../src/destinations/file.js';
import { MedibusError } from '../../src/errors.js';
import { createDestination, outbound, runCleanup } from './support.js';

const KEY_VARS = ['MEDIBUS_AT_REST_KEY', 'MEDIBUS_AT_REST_KEY_FILE', 'MEDIBUS_AT_REST_OLD_KEYS', 'MEDIBUS_AT_REST_OLD_KEY_FILES'] as const;
const saved = Object.fromEntries(KEY_VARS.map((k) => [k, process.env[k]]));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medibus-file-sealed-'));
  for (const k of KEY_VARS) delete process.env[k];
});
afterEach(async () => {
  await runCleanup();
  await rm(dir, { recursive: true, force: true });
  for (const k of KEY_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const signal = (): AbortSignal => new AbortController().signal;
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

async function unsealed(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await unseal([file], { env, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('file destination, encrypt', () => {
  it('seals every line when a key is configured: no patient data on disk, medibus unseal gives the clear lines back', async () => {
    process.env['MEDIBUS_AT_REST_KEY'] = keyA;
    const file = path.join(dir, 'adt.ndjson');
    const archive = createDestination(fileDestination, { path: file });
    const messages = [outbound({ messageId: 'm-1' }), outbound({ messageId: 'm-2' })];
    for (const m of messages) await archive.deliver(m, signal());
    const disk = await readFile(file, 'utf8');
    expect(disk.split('\n')).toHaveLength(3);
    // the fixture's patient (Vietnamese ADT: family name, MRN) is nowhere in the file
    const clear = fileLine(messages[0]!, 'envelope').toString('utf8');
    expect(clear).toContain('Nguy');
    for (const needle of ['Nguy', 'PID|', 'm-1', '"hl7"']) expect(disk).not.toContain(needle);
    const result = await unsealed(file, { MEDIBUS_AT_REST_KEY: keyA });
    expect(result).toEqual({ code: 0, out: messages.map((m) => fileLine(m, 'envelope').toString('utf8')).join(''), err: '' });
  });

  it('after a key rotation, old and new lines open while the old key is listed; without it, old lines are reported by line', async () => {
    const file = path.join(dir, 'lab.ndjson');
    process.env['MEDIBUS_AT_REST_KEY'] = keyA;
    const before = createDestination(fileDestination, { path: file, encrypt: true });
    await before.deliver(outbound({ messageId: 'old-1' }), signal());
    await before.close();
    process.env['MEDIBUS_AT_REST_KEY'] = keyB;
    process.env['MEDIBUS_AT_REST_OLD_KEYS'] = keyA;
    const after = createDestination(fileDestination, { path: file, encrypt: true });
    await after.deliver(outbound({ messageId: 'new-1' }), signal());

    const both = await unsealed(file, { MEDIBUS_AT_REST_KEY: keyB, MEDIBUS_AT_REST_OLD_KEYS: keyA });
    expect(both.code).toBe(0);
    expect(both.out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { messageId: string }).messageId)).toEqual(['old-1', 'new-1']);

    const newOnly = await unsealed(file, { MEDIBUS_AT_REST_KEY: keyB });
    expect(newOnly.code).toBe(1);
    expect(newOnly.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: MEDIBUS_ERR_AT_REST_UNKNOWN_KEY: .*sealed with key [0-9a-f]{8}, which is not configured`));
    expect(newOnly.out).toContain('"messageId":"new-1"');
  });

  it('a changed line is reported as tampered with its line number, and not printed', async () => {
    process.env['MEDIBUS_AT_REST_KEY'] = keyA;
    const file = path.join(dir, 'x.ndjson');
    const archive = createDestination(fileDestination, { path: file });
    await archive.deliver(outbound({ messageId: 'a' }), signal());
    await archive.deliver(outbound({ messageId: 'b' }), signal());
    await archive.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    const second = Buffer.from(lines[1]!, 'base64');
    second[40]! ^= 0x20;
    lines[1] = second.toString('base64');
    await writeFile(file, lines.join('\n'));
    const result = await unsealed(file, { MEDIBUS_AT_REST_KEY: keyA });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/:2: MEDIBUS_ERR_AT_REST_TAMPERED: .*fails its integrity check/);
    expect(result.out).toContain('"messageId":"a"');
    expect(result.out).not.toContain('"messageId":"b"');
  });

  it('encrypt: true without a key does not start; encrypt: false writes clear lines even with a key', async () => {
    expect(() => createDestination(fileDestination, { path: path.join(dir, 'y.ndjson'), encrypt: true })).toThrow(MedibusError);
    expect(() => createDestination(fileDestination, { path: path.join(dir, 'y.ndjson'), encrypt: true })).toThrow(/encrypt: true needs a key in MEDIBUS_AT_REST_KEY/);
    process.env['MEDIBUS_AT_REST_KEY'] = keyA;
    const file = path.join(dir, 'clear.ndjson');
    const archive = createDestination(fileDestination, { path: file, encrypt: false });
    await archive.deliver(outbound({ messageId: 'c' }), signal());
    expect(await readFile(file, 'utf8')).toContain('"messageId":"c"');
  });
});
