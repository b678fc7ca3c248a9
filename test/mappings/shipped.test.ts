/**
 * The shipped mappings as files hospital IT staff copy: each loads without a single
 * diagnostic, says in its header what it covers and which IG maps it follows, needs no
 * JavaScript (no expr:, so it converts synchronously), and names patients the way the others do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../src/mapping/index.js';
import { MAPPINGS, shipped, shippedMappings, SHIPPED } from './support.js';

function doc(id: string): { identifierSystems?: Record<string, string>; messageTypes: string[] } {
  return parse(readFileSync(path.join(MAPPINGS, `${id}.yaml`), 'utf8')) as { identifierSystems?: Record<string, string>; messageTypes: string[] };
}

describe('the shipped mappings', () => {
  it('are these files', async () => {
    expect([...(await shippedMappings()).keys()].sort()).toEqual([...SHIPPED]);
  });

  for (const id of SHIPPED) {
    it(`${id}.yaml loads with no diagnostic at all, and needs no expr:`, async () => {
      const { mapping, diagnostics } = await loadMapping(path.join(MAPPINGS, `${id}.yaml`), { mappingsDir: MAPPINGS });
      expect(diagnostics).toEqual([]);
      expect(mapping?.usesExpressions).toBe(false);
    });

    it(`${id}.yaml opens with a header: what it covers, the IG maps it follows, its departures`, () => {
      const text = readFileSync(path.join(MAPPINGS, `${id}.yaml`), 'utf8');
      const header = text.slice(0, text.indexOf('\nid: '));
      expect(header).toMatch(/^# yaml-language-server: \$schema=\.\/mapping\.schema\.json\n#\n/);
      expect(header).toMatch(/v2-to-FHIR IG|The IG has no message map/);
      expect(header).toMatch(/Departures from the IG rows, and why:/);
    });
  }

  it('name patients alike: every mapping has the same identifierSystems (two systems would be two patients)', () => {
    const reference = doc('adt').identifierSystems;
    expect(reference).toBeDefined();
    for (const id of SHIPPED) expect(doc(id).identifierSystems, id).toEqual(reference);
  });

  it('adt takes every ADT event a HIS sends for a visit, and the merge', async () => {
    const adt = await shipped('adt');
    for (const event of ['A01', 'A02', 'A03', 'A04', 'A05', 'A08', 'A11', 'A13', 'A28', 'A31', 'A40']) expect(adt.accepts(`ADT^${event}`), event).toBe(true);
    expect(adt.accepts('ADT^O01')).toBe(false);
  });

  it('each message type has one mapping', async () => {
    const types = [...(await shippedMappings()).values()].flatMap((m) => m.messageTypes);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(['ORU^R01', 'ORM^O01', 'OML^O21', 'SIU^S12', 'SIU^S13', 'SIU^S14', 'SIU^S15', 'MDM^T02', 'VXU^V04', 'RDE^O11']));
  });
});
