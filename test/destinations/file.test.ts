import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileDestination, fileLine } from '../../src/destinations/file.js';
import { createDestination, outbound, outcome, runCleanup } from './support.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medibus-file-dest-'));
});
afterEach(async () => {
  await runCleanup();
  await rm(dir, { recursive: true, force: true });
});

const signal = (): AbortSignal => new AbortController().signal;

async function lines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const numbered = (i: number): ReturnType<typeof outbound> => outbound({ messageId: `m-${String(i).padStart(3, '0')}` });

describe('file destination', () => {
  it('appends one envelope line per message, creating the directory', async () => {
    const file = path.join(dir, 'archive', 'adt.ndjson');
    const archive = createDestination(fileDestination, { path: file });
    const message = outbound();
    await archive.deliver(message, signal());
    await archive.deliver(outbound({ messageId: 'second', bundle: undefined }), signal());
    const [first, second] = await lines(file);
    expect(first).toEqual({
      messageId: message.messageId,
      channel: 'adt-from-his',
      controlId: 'VN-ADT-000731',
      messageType: 'ADT^A01',
      receivedAt: '2024-03-05T03:15:00.000Z',
      charset: 'windows-1258',
      hl7: message.hl7,
      bundle: message.bundle,
    });
    expect(second).toMatchObject({ messageId: 'second' });
    expect(second).not.toHaveProperty('bundle');
  });

  it('writes the Bundle alone (payload: bundle) or the HL7 text (payload: hl7)', async () => {
    const bundles = createDestination(fileDestination, { path: path.join(dir, 'bundles.ndjson'), payload: 'bundle' });
    const hl7 = createDestination(fileDestination, { path: path.join(dir, 'hl7.ndjson'), payload: 'hl7', fsync: false });
    const message = outbound();
    await bundles.deliver(message, signal());
    await hl7.deliver(message, signal());
    expect(await lines(path.join(dir, 'bundles.ndjson'))).toEqual([message.bundle]);
    const [line] = await lines(path.join(dir, 'hl7.ndjson'));
    expect(line).toEqual({ messageId: message.messageId, channel: 'adt-from-his', controlId: 'VN-ADT-000731', messageType: 'ADT^A01', receivedAt: '2024-03-05T03:15:00.000Z', hl7: message.hl7 });
    expect(await outcome(bundles.deliver(outbound({ bundle: undefined }), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
  });

  it('serialises concurrent deliveries into whole lines', async () => {
    const file = path.join(dir, 'concurrent.ndjson');
    const archive = createDestination(fileDestination, { path: file });
    await Promise.all(Array.from({ length: 40 }, (_, i) => archive.deliver(numbered(i), signal())));
    const ids = (await lines(file)).map((l) => l['messageId']);
    expect(new Set(ids).size).toBe(40);
  });

  it('rotates at maxSize, keeps maxFiles older files, and every file holds whole lines in order', async () => {
    const file = path.join(dir, 'out.ndjson');
    const lineSize = fileLine(numbered(0), 'envelope').length;
    const archive = createDestination(fileDestination, { path: file, maxSize: lineSize * 3, maxFiles: 2 });
    for (let i = 0; i < 10; i++) await archive.deliver(numbered(i), signal());
    expect((await readdir(dir)).sort()).toEqual(['out.1.ndjson', 'out.2.ndjson', 'out.ndjson']);
    const kept = [...(await lines(path.join(dir, 'out.2.ndjson'))), ...(await lines(path.join(dir, 'out.1.ndjson'))), ...(await lines(file))];
    expect(kept.map((l) => l['messageId'])).toEqual(['m-003', 'm-004', 'm-005', 'm-006', 'm-007', 'm-008', 'm-009']);
    for (const name of ['out.2.ndjson', 'out.1.ndjson']) expect((await stat(path.join(dir, name))).size).toBe(lineSize * 3);
  });

  it('cuts off a line left half-written by a crash before appending', async () => {
    const file = path.join(dir, 'crashed.ndjson');
    await writeFile(file, '{"messageId":"before"}\n{"messageId":"half');
    const archive = createDestination(fileDestination, { path: file });
    await archive.deliver(outbound({ messageId: 'after' }), signal());
    expect((await lines(file)).map((l) => l['messageId'])).toEqual(['before', 'after']);
  });

  it('retries a write the file system refuses', async () => {
    const occupied = path.join(dir, 'is-a-directory');
    await mkdir(occupied);
    const archive = createDestination(fileDestination, { path: occupied });
    expect(await outcome(archive.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `cannot append to ${occupied}: EISDIR (the path is a directory)`,
    });
  });

  it.runIf(existsSync('/dev/full'))('retries on a full disk (ENOSPC, from /dev/full)', async () => {
    const archive = createDestination(fileDestination, { path: '/dev/full' });
    expect(await outcome(archive.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: 'cannot append to /dev/full: ENOSPC (disk full)',
    });
  });

  it('skips a delivery aborted before its turn', async () => {
    const file = path.join(dir, 'aborted.ndjson');
    const archive = createDestination(fileDestination, { path: file });
    const abort = new AbortController();
    abort.abort();
    expect(await outcome(archive.deliver(outbound(), abort.signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', message: expect.stringContaining('aborted') });
    expect(existsSync(file) ? (await readFile(file, 'utf8')).length : 0).toBe(0);
  });
});
