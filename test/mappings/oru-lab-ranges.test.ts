/**
 * mappings/oru-r01.yaml on a laboratory's real-shaped ORU^R01 (fixtures/hl7/edge/
 * oru-r01-lab-ranges.hl7), the two defects of issue 12 as a clinician's EMR sees them: the
 * `&` of `\T\` in an NTE-3 note (it vanished while OBX-5 kept it), and OBX-7 reference ranges
 * as low / high Quantities with OBX-6's units beside the text.
 */
import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { convert, edge, resources } from './support.js';

async function observations(): Promise<{ byLoinc: (code: string) => Observation; warnings: readonly string[] }> {
  const { bundle, warnings } = await convert(edge('oru-r01-lab-ranges')[0]);
  const all = resources<Observation>(bundle, 'Observation');
  return {
    warnings,
    byLoinc(code) {
      const found = all.find((o) => o.code.coding?.some((c) => c.code === code));
      if (found === undefined) throw new Error(`no Observation ${code}`);
      return found;
    },
  };
}

const UCUM = 'http://unitsofmeasure.org';

describe('ORU^R01 from a laboratory: notes keep every escaped delimiter', () => {
  it('NTE-3 "lại \\T\\ xác nhận" is "lại & xác nhận" in Observation.note.text, as OBX-5 is in valueString', async () => {
    const { byLoinc } = await observations();
    expect(byLoinc('6690-2').note).toEqual([{ text: 'Mẫu tán huyết nhẹ, đã lấy lại & xác nhận kết quả' }]);
    expect(byLoinc('5196-1').valueString).toBe('Âm tính & không phản ứng');
  });

  it('an NTE with \\F\\ \\S\\ \\R\\ \\E\\ \\X..\\ \\H\\…\\N\\ keeps | ^ ~ \\ and the decoded letter', async () => {
    expect((await observations()).byLoinc('5196-1').note).toEqual([{ text: 'Ghi chú: | ^ ~ \\ á đậm' }]);
  });
});

describe('ORU^R01 from a laboratory: OBX-7 reference ranges', () => {
  const q = (value: number, unit: string, code = unit) => ({ value, unit, system: UCUM, code });

  it('a-b (with or without spaces) → low and high in OBX-6 units, text kept', async () => {
    const { byLoinc } = await observations();
    expect(byLoinc('6690-2').referenceRange).toEqual([{ low: q(4, '10*9/L'), high: q(10, '10*9/L'), text: '4.0-10.0' }]);
    expect(byLoinc('718-7').referenceRange).toEqual([{ low: q(120, 'g/L'), high: q(160, 'g/L'), text: '120 - 160' }]);
  });

  it('<b, <=b, ≤b → high; >a, >=a, ≥a → low', async () => {
    const { byLoinc } = await observations();
    expect(byLoinc('1920-8').referenceRange).toEqual([{ high: q(40, 'U/L'), text: '<40' }]);
    expect(byLoinc('18262-6').referenceRange).toEqual([{ high: q(3.4, 'mmol/L'), text: '<=3.4' }]);
    expect(byLoinc('2571-8').referenceRange).toEqual([{ high: q(1.7, 'mmol/L'), text: '≤1.7' }]);
    expect(byLoinc('2085-9').referenceRange).toEqual([{ low: q(1, 'mmol/L'), text: '>1.0' }]);
    expect(byLoinc('2160-0').referenceRange).toEqual([{ low: q(0.6, 'mg/dL'), text: '>=0.6' }]);
    expect(byLoinc('62238-1').referenceRange).toEqual([{ low: q(60, 'mL/min/1.73m2', 'mL/min/{1.73_m2}'), text: '≥60' }]);
  });

  it('negative limits: -2-3 and -2.5--1.0 (no units: bare values)', async () => {
    const { byLoinc } = await observations();
    expect(byLoinc('11555-0').referenceRange).toEqual([{ low: q(-2, 'mmol/L'), high: q(3, 'mmol/L'), text: '-2-3' }]);
    expect(byLoinc('38263-0').referenceRange).toEqual([{ low: { value: -2.5 }, high: { value: -1 }, text: '-2.5--1.0' }]);
  });

  it('a text range stays text; a lower limit above the upper one stays text with a warning', async () => {
    const { byLoinc, warnings } = await observations();
    expect(byLoinc('5196-1').referenceRange).toEqual([{ text: 'Âm tính' }]);
    expect(byLoinc('2345-7').referenceRange).toEqual([{ text: '10-5' }]);
    expect(warnings.filter((w) => w.includes('OBX-7'))).toHaveLength(1);
  });
});
