import { describe, expect, it } from 'vitest';
import { fnv1a32, keyHash, partitionOf } from '../../src/broker/partition.js';

describe('partitionOf', () => {
  it('is FNV-1a 32-bit (reference vectors from draft-eastlake-fnv)', () => {
    expect(fnv1a32(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv1a32(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv1a32(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it('is pinned: these values must never change (every instance and version must agree)', () => {
    expect(partitionOf('123456', 4)).toBe(2);
    expect(partitionOf('MRN0001', 4)).toBe(3);
    expect(partitionOf('MRN0002', 4)).toBe(2);
    expect(partitionOf('Nguyễn', 8)).toBe(7);
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    expect(partitionOf('é', 1 << 30)).toBe(fnv1a32(Buffer.from([0xc3, 0xa9])) % (1 << 30));
  });

  it('spreads keys over all partitions', () => {
    const counts = new Array<number>(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[partitionOf(`MRN${i}`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionOf('x', 0)).toThrow(/positive integer/);
  });
});

describe('keyHash', () => {
  it('is 32 hex characters and never contains the identifier', () => {
    const h = keyHash('123456');
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).not.toContain('123456');
    expect(keyHash('123456')).toBe(h);
    expect(keyHash('123457')).not.toBe(h);
  });

  it('becomes an HMAC with a secret', () => {
    expect(keyHash('123456', 's3cret')).not.toBe(keyHash('123456'));
    expect(keyHash('123456', 's3cret')).toMatch(/^[0-9a-f]{32}$/);
  });
});
