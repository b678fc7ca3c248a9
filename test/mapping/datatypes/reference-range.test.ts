import type { Segment } from '../../../src/hl7/index.js';
import { describe, expect, it } from 'vitest';
import { lookupSegmentConversion } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { context, fhirIssues, segment } from './support.js';

const convert = lookupSegmentConversion('obx-reference-range')!.convert as (s: Segment, c: ReturnType<typeof context>) => unknown;

/** An OBX with units OBX-6 and range OBX-7 */
const obx = (units: string, range: string): Segment => segment(`OBX|1|NM|2345-7^Glucose^LN||5.4|${units}|${range}|N|||F`);

const UCUM = 'http://unitsofmeasure.org';
const mmol = { unit: 'mmol/L', system: UCUM, code: 'mmol/L' };

/** OBX-7 forms of HL7 v2.5.1 §7.4.2.7; IG OBX[Observation] OBX-7 ("if sufficiently parseable … low, high"). */
describe('obx-reference-range', () => {
  const cases: [string, number | undefined, number | undefined][] = [
    ['3.9-6.1', 3.9, 6.1],
    ['3.9 - 6.1', 3.9, 6.1],
    ['3.9–6.1', 3.9, 6.1],
    ['3.9 to 6.1', 3.9, 6.1],
    ['-5--1', -5, -1],
    ['-5-5', -5, 5],
    ['-2.5 - -1.0', -2.5, -1],
    ['+1-+3', 1, 3],
    ['<6.1', undefined, 6.1],
    ['< 6.1', undefined, 6.1],
    ['<=6.1', undefined, 6.1],
    ['≤6.1', undefined, 6.1],
    ['>3.9', 3.9, undefined],
    ['>=3.9', 3.9, undefined],
    ['≥3.9', 3.9, undefined],
    ['<-1', undefined, -1],
    ['>-1', -1, undefined],
  ];
  for (const [text, low, high] of cases) {
    it(`${text} → low ${String(low)}, high ${String(high)} with OBX-6's units, text kept`, () => {
      const ctx = context();
      const range = convert(obx('mmol/L^^UCUM', text), ctx);
      expect(range).toEqual({
        ...(low === undefined ? {} : { low: { value: low, ...mmol } }),
        ...(high === undefined ? {} : { high: { value: high, ...mmol } }),
        text,
      });
      expect(ctx.warnings).toEqual([]);
      expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, referenceRange: [range] })).toEqual([]);
    });
  }

  it('units as valueQuantity has them: a bare spelling gets its UCUM code, a local one keeps its system, none gives a bare value', () => {
    expect(convert(obx('mg/dl', '70-110'), context())).toEqual({ low: { value: 70, unit: 'mg/dl', system: UCUM, code: 'mg/dL' }, high: { value: 110, unit: 'mg/dl', system: UCUM, code: 'mg/dL' }, text: '70-110' });
    expect(convert(obx('TB^tế bào^L', '0-5'), context({ localCodeSystem: (n) => (n === 'L' ? 'https://lis.example.vn/units' : undefined) }))).toEqual({
      low: { value: 0, unit: 'tế bào', system: 'https://lis.example.vn/units', code: 'TB' },
      high: { value: 5, unit: 'tế bào', system: 'https://lis.example.vn/units', code: 'TB' },
      text: '0-5',
    });
    expect(convert(obx('', '0-5'), context())).toEqual({ low: { value: 0 }, high: { value: 5 }, text: '0-5' });
  });

  it('text ranges stay text only', () => {
    for (const text of ['Âm tính', 'negative', '1:40', '5-', '-', '<', 'N', '3.9-6.1 mmol/L', '1,5-3,0', '3.9-6.1-7']) {
      const ctx = context();
      expect(convert(obx('mmol/L', text), ctx), text).toEqual({ text });
      expect(ctx.warnings).toEqual([]);
    }
  });

  it('a lower limit above the upper one stays text, with a warning that carries no value', () => {
    const ctx = context();
    expect(convert(obx('mmol/L', '10-5'), ctx)).toEqual({ text: '10-5' });
    expect(ctx.warnings).toEqual(['OBX-7: the lower limit is above the upper limit; the range is kept as text only']);
  });

  it('no OBX-7, or the HL7 null, gives no range', () => {
    expect(convert(obx('mmol/L', ''), context())).toBeUndefined();
    expect(convert(obx('mmol/L', '""'), context())).toBeUndefined();
  });

  it('decodes escapes in the text (\\T\\ is &)', () => {
    expect(convert(obx('', 'Âm tính \\T\\ không phản ứng'), context())).toEqual({ text: 'Âm tính & không phản ứng' });
  });
});
