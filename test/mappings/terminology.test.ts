/**
 * The code tables the shipped mappings added (mappings/terminology): those generated from the
 * IG (scripts/import-ig-tables.ts) read the IG's sheets right, and the two status tables
 * written for medibus keep the IG's rows and give every other code of their v2 table a status.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCodeTable, type CodeTable } from '../../src/mapping/terminology/index.js';
import { MAPPINGS } from './support.js';

async function table(id: string): Promise<CodeTable> {
  const { table: loaded, diagnostics } = await loadCodeTable(path.join(MAPPINGS, 'terminology', `${id}.yaml`));
  if (loaded === undefined) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return loaded;
}

describe('tables generated from the IG for the shipped mappings', () => {
  it('v2-0003-encounter-status: the ADT event → Encounter.status (ConceptMap Event[EncounterStatus])', async () => {
    const events = await table('v2-0003-encounter-status');
    expect(['A01', 'A02', 'A03', 'A04', 'A05', 'A08', 'A11', 'A13'].map((e) => events.lookup(e)?.code)).toEqual(['in-progress', 'in-progress', 'finished', 'planned', 'planned', 'unknown', 'cancelled', 'in-progress']);
    expect(events.target).toBe('http://hl7.org/fhir/encounter-status');
  });

  it('v2-0038 (a sheet without the unnamed column) takes its displays and system from the right columns', async () => {
    const status = await table('v2-0038');
    expect(status.lookup('ER')).toEqual({ code: 'entered-in-error', system: 'http://hl7.org/fhir/request-status', display: 'Entered in Error' });
    expect(status.lookup('CM')).toEqual({ code: 'completed', system: 'http://hl7.org/fhir/request-status' });
  });

  it('v2-0052, v2-0074, v2-0163, v2-0272, v2-0277: codes to their FHIR systems', async () => {
    expect((await table('v2-0052')).lookup('A')).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/diagnosis-role', code: 'AD' });
    expect((await table('v2-0074')).lookup('HM')).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'HM' });
    expect((await table('v2-0163')).lookup('LD')).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0163', code: 'LD', display: 'Left Deltoid' });
    expect((await table('v2-0272')).lookup('R')).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0272', code: 'R' });
    expect((await table('v2-0277')).lookup('Normal')).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0277', code: 'Normal' });
  });
});

describe('status tables written for medibus', () => {
  it('v2-0085-observation-status keeps every row of the IG\'s v2-0085, and maps every code of table 0085', async () => {
    const ig = await table('v2-0085');
    const complete = await table('v2-0085-observation-status');
    for (const code of ['A', 'C', 'D', 'F', 'P', 'X', 'W']) expect(complete.lookup(code)?.code, code).toBe(ig.lookup(code)?.code);
    const all = ['A', 'B', 'C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'V', 'W', 'X'];
    expect(all.filter((c) => complete.lookup(c) === undefined)).toEqual([]);
    expect(['I', 'R', 'V', 'N'].map((c) => complete.lookup(c)?.code)).toEqual(['registered', 'preliminary', 'final', 'cancelled']);
    expect(complete.unmapped).toBe('reject');
  });

  it('v2-0123-report-status keeps the IG\'s rows, adds A, M, N and W, and still refuses Y and Z', async () => {
    const ig = await table('v2-0123');
    const complete = await table('v2-0123-report-status');
    for (const code of ['O', 'I', 'S', 'P', 'C', 'R', 'F', 'X']) expect(complete.lookup(code)?.code, code).toBe(ig.lookup(code)?.code);
    expect(['A', 'M', 'N', 'W'].map((c) => complete.lookup(c)?.code)).toEqual(['partial', 'preliminary', 'registered', 'entered-in-error']);
    expect(complete.lookup('Y')).toBeUndefined();
    expect(complete.unmapped).toBe('reject');
  });
});
