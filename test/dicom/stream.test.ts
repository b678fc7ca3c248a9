import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readDicom, streamDicomToFile } from '../../src/dicom/index.js';
import { MedibusError } from '../../src/errors.js';

const fixturePath = (name: string): string => new URL(`../../fixtures/dicom/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'medibus-dicom-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streamDicomToFile', () => {
  it('stores the object and gives the same metadata as reading it whole', async () => {
    for (const name of ['pydicom__CT_small.dcm', 'pydicom__JPEG2000.dcm', 'pydicom__image_dfl.dcm', 'pydicom__rtplan.dcm']) {
      const file = path.join(dir, `copy-${name}`);
      const stored = await streamDicomToFile(createReadStream(fixturePath(name), { highWaterMark: 1024 }), file, { source: name });
      expect(readFileSync(file).equals(readFileSync(fixturePath(name)))).toBe(true);
      expect(stored.object).toEqual(readDicom(readFileSync(fixturePath(name)), { source: name }));
      expect(stored.size).toBe(statSync(file).size);
    }
  });

  it('refuses a truncated object and leaves its file for failed/', async () => {
    const file = path.join(dir, 'truncated.dcm');
    const error = await streamDicomToFile(createReadStream(fixturePath('pydicom__MR_truncated.dcm')), file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MedibusError);
    expect((error as MedibusError).code).toBe('MEDIBUS_ERR_DICOM_TRUNCATED');
    expect(statSync(file).size).toBe(9630);
  });

  it('a 200 MB object streams to disk with RSS growth under 64 MB; only the header is kept', async () => {
    // CT_small's header, then Pixel Data (7FE0,0010) OW of 200 MiB made of zero chunks
    const ct = readFileSync(fixturePath('pydicom__CT_small.dcm'));
    const { headerBytes } = readDicom(ct);
    const pixelBytes = 200 * 1024 * 1024;
    const element = Buffer.alloc(12);
    element.writeUInt16LE(0x7fe0, 0);
    element.writeUInt16LE(0x0010, 2);
    element.write('OW', 4, 'latin1');
    element.writeUInt32LE(pixelBytes, 8);
    const chunk = Buffer.alloc(1024 * 1024);
    async function* body(): AsyncGenerator<Buffer> {
      yield ct.subarray(0, headerBytes);
      yield element;
      for (let i = 0; i < pixelBytes / chunk.length; i++) yield chunk;
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const file = path.join(dir, 'big.dcm');
    const stored = await streamDicomToFile(Readable.from(body()), file);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(stored.size).toBe(headerBytes + 12 + pixelBytes);
    expect(stored.object.pixelData).toEqual({ offset: headerBytes + 12, length: pixelBytes, encapsulated: false });
    expect(stored.object.dataset['00100010']?.Value).toEqual([{ Alphabetic: 'CompressedSamples^CT1' }]);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    rmSync(file);
  });
});
