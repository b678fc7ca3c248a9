/**
 * The name-based UUIDs of bundle entries (src/util/ids.ts nameUuid, used by
 * src/mapping/identifiers.ts keyId): MurmurHash3 x86_128 as published, laid out as a UUID v8.
 * Stored bundles and golden files depend on these values: they must never change.
 */
import { describe, expect, it } from 'vitest';
import { keyId } from '../../src/mapping/fhir/identifiers.js';
import { murmur3x86_128, nameHash, nameHash3, nameUuid } from '../../src/util/ids.js';

/** the reference: MurmurHash3 of the UTF-8 bytes, through a Buffer */
function viaBytes(name: string): Uint32Array {
  const bytes = Buffer.from(name, 'utf8');
  const out = new Uint32Array(4);
  murmur3x86_128(bytes, bytes.length, 0, out);
  return out;
}

describe('murmur3x86_128', () => {
  it('passes SMHasher’s verification test (0xB3ECE62A for MurmurHash3_x86_128)', () => {
    // keys {}, {0}, {0,1} … {0…254}, each hashed with seed 256 - length; the 256 hashes hashed with seed 0
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(16 * 256);
    const view = new DataView(hashes.buffer);
    const out = new Uint32Array(4);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      murmur3x86_128(key, i, 256 - i, out);
      for (let w = 0; w < 4; w++) view.setUint32(i * 16 + w * 4, out[w]!, true);
    }
    murmur3x86_128(hashes, hashes.length, 0, out);
    expect(out[0]).toBe(0xb3ece62a);
  });
});

describe('nameUuid', () => {
  it('is a UUID version 8, variant 10xx', () => {
    for (const name of ['Patient|urn:oid:1.2.3|MRN1', 'x', 'Observation|urn:medibus:facility:LAB:Observation|L1-1-1-718-7']) {
      expect(nameUuid(name)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('keeps its values (stored bundles and golden files depend on them)', () => {
    expect(nameUuid('Patient|urn:oid:1.2.3|MRN1')).toBe('28aadcfd-1da8-8fdc-a09f-0567b1ce053b');
    expect(nameUuid('Bệnh nhân|x|y')).toBe('63882395-e999-862b-a907-8ab1ea07f54a');
  });

  it('hashes the UTF-8 bytes, whatever the length of the name', () => {
    const out = new Uint32Array(4);
    for (const name of ['', 'a', 'Nguyễn Thị Ánh', '🧪 lab', 'x'.repeat(1023), 'x'.repeat(1024), 'y'.repeat(5000), `${'é'.repeat(600)}|z`]) {
      nameHash(name, out);
      expect([...out], name.slice(0, 20)).toEqual([...viaBytes(name)]);
    }
  });

  it('nameHash3 hashes the parts joined with "|" without joining them', () => {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    for (const [x, y, z] of [['Patient', 'urn:oid:1.2.3', 'MRN1'], ['Observation', 'urn:medibus:facility:Bạch Mai:Observation', 'A-1'], ['T', 's'.repeat(1200), 'v'], ['', '', '']]) {
      nameHash3(x!, y!, z!, a);
      nameHash(`${x}|${y}|${z}`, b);
      expect([...a]).toEqual([...b]);
    }
  });

  it('nameHash3 gives the same hash when consecutive keys share their type and system (the prefix is copied once)', () => {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    const system = 'urn:medibus:facility:LAB:Observation';
    // same prefix again and again, a value that is not ASCII, one that does not fit, a
    // nameHash in between (it writes the same scratch bytes), then the prefix again
    const sequence: [string, string, string | undefined][] = [
      ['Observation', system, 'LAB1-1-718-7'],
      ['Observation', system, 'LAB1-2-4544-3'],
      ['Observation', system, 'Ánh-3'],
      ['Observation', system, 'LAB1-4-789-8'],
      ['Observation', system, 'v'.repeat(2000)],
      ['Observation', system, 'LAB1-5'],
      ['Patient', system, undefined],
      ['Observation', system, 'LAB1-6'],
      ['Observation', `${system}x`, 'LAB1-6'],
      ['Observation', system, ''],
    ];
    for (const [x, y, z] of sequence) {
      if (z === undefined) {
        nameHash(`${x}|${y}`, b);
        continue;
      }
      nameHash3(x, y, z, a);
      expect([...a], `${x}|${z.slice(0, 12)}`).toEqual([...viaBytes(`${x}|${y}|${z}`)]);
    }
  });

  it('keyId gives `urn:uuid:` + nameUuid of type|system|value, and one slot per key', () => {
    const id = keyId('Patient', 'urn:oid:1.2.3', 'MRN1');
    expect(id.fullUrl).toBe(`urn:uuid:${nameUuid('Patient|urn:oid:1.2.3|MRN1')}`);
    expect(keyId('Patient', 'urn:oid:1.2.3', 'MRN1').slot).toBe(id.slot);
    expect(keyId('Patient', 'urn:oid:1.2.3', 'MRN2').slot).not.toBe(id.slot);
    expect(Number.isSafeInteger(id.slot)).toBe(true);
  });
});
