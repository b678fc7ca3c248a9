import { describe, expect, it } from 'vitest';
import { uuidv5, uuidv7 } from '../../src/util/ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([89ab])[0-9a-f]{3}-[0-9a-f]{12}$/;

describe('message ids', () => {
  it('uuidv7: version 7, RFC 9562 variant, the millisecond time first, so ids sort by arrival', () => {
    const t = Date.UTC(2024, 2, 5, 3, 15, 0, 123);
    const id = uuidv7(t);
    const [, version, variant] = UUID.exec(id) ?? [];
    expect(version).toBe('7');
    expect(variant).toMatch(/[89ab]/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t);
    expect(uuidv7(t + 1) > id).toBe(true);
  });

  it('uuidv7: distinct across many ids drawn from the random pool, also across its refills', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(5000);
  });

  it('uuidv5: the RFC 9562 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
