/** Reads files under fixtures/hl7, the corpus copied into this repository: tests run from a clone alone. */
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../../fixtures/hl7/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, root));
}

/** The copied corpus files, sorted. */
export function corpusFiles(): string[] {
  return readdirSync(new URL('corpus/', root))
    .filter((f) => f.endsWith('.hl7'))
    .sort();
}

export function corpus(name: string): Buffer {
  return fixture(`corpus/${name}`);
}

/** Bytes as a string, one char per byte: compares bytes exactly whatever the charset. */
export function bytesAsText(buf: Buffer): string {
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  return buf.subarray(bom ? 3 : 0).toString('latin1');
}
