/**
 * Segment groups, scopes and forEach, seen through what a mapping produces from an ORU^R01
 * with two orders (the second without ORC), observation notes, and a specimen group with its
 * own OBX (groups.ts, runtime-scope.ts, compile-foreach.ts, Run.resolve).
 */
import type { DiagnosticReport, Observation, Specimen } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConvertResult } from '../../src/mapping/index.js';
import { mapping, message, only, resolve, resources } from './support.js';

let result: ConvertResult;

beforeAll(async () => {
  result = await (await mapping('oru-groups')).convert(message('oru-r01-groups'));
});

function observation(code: string): Observation {
  const found = resources<Observation>(result.bundle, 'Observation').find((o) => o.code.coding?.[0]?.code === code);
  if (!found) throw new Error(`no Observation ${code}`);
  return found;
}

describe('segment groups', () => {
  it('makes one ORDER per ORC/OBR pair, and a new one for an OBR without ORC', () => {
    const reports = resources<DiagnosticReport>(result.bundle, 'DiagnosticReport');
    expect(reports.map((r) => r.identifier?.[0]?.value)).toEqual(['FIL1', 'FIL2']);
  });

  it('gives each order its own OBSERVATION groups, not the OBX of its specimen', () => {
    const [first, second] = resources<DiagnosticReport>(result.bundle, 'DiagnosticReport');
    const codes = (r: DiagnosticReport) => (r.result ?? []).map((ref) => (resolve(result.bundle, ref.reference)?.resource as Observation).code.coding?.[0]?.code);
    expect(codes(first)).toEqual(['2345-7', '2160-0']);
    expect(codes(second)).toEqual(['718-7']);
    expect(resources(result.bundle, 'Observation')).toHaveLength(3);
  });

  it('attaches an NTE after an OBX to that OBX, and never lends it to the next one', () => {
    expect(observation('2345-7').note).toEqual([{ text: 'glucose rechecked' }]);
    expect(observation('2160-0').note).toBeUndefined();
    expect(observation('718-7').note).toEqual([{ text: 'first line' }, { text: 'second line' }]);
  });

  it('keeps the order\'s NTE with the order', () => {
    const [first, second] = resources<DiagnosticReport>(result.bundle, 'DiagnosticReport');
    expect(first.conclusion).toBe('fasting sample / drawn at 07:00');
    expect(second.conclusion).toBeUndefined();
  });

  it('puts an OBX that follows SPM in the specimen group', () => {
    expect(only<Specimen>(result.bundle, 'Specimen').note).toEqual([{ text: 'hemolysed' }]);
  });
});

describe('scopes', () => {
  it('reads PID from inside an observation group (the enclosing message)', () => {
    const patient = resources(result.bundle, 'Patient')[0];
    const patientUrl = result.bundle.entry?.find((e) => e.resource === patient)?.fullUrl;
    for (const o of resources<Observation>(result.bundle, 'Observation')) expect(o.subject?.reference).toBe(patientUrl);
  });

  it('refers to the specimen of its own order, never to another order\'s', () => {
    const specimenUrl = result.bundle.entry?.find((e) => e.resource?.resourceType === 'Specimen')?.fullUrl;
    expect(observation('2345-7').specimen?.reference).toBe(specimenUrl);
    expect(observation('718-7').specimen).toBeUndefined();
    const [first, second] = resources<DiagnosticReport>(result.bundle, 'DiagnosticReport');
    expect(first.specimen).toEqual([{ reference: specimenUrl }]);
    expect(second.specimen).toBeUndefined();
  });

  it('reads a component\'s subcomponent inside the specimen group (SPM-2.1.1)', () => {
    expect(only<Specimen>(result.bundle, 'Specimen').identifier?.[0]?.value).toBe('SPC1');
  });
});
