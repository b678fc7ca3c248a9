import { describe, expect, it } from 'vitest';
import { compilePath, parseMessage } from '../../src/hl7/index.js';

const msg = parseMessage(
  [
    'MSH|^~\\&|LAB|HOSP|EMR|HOSP|20240305101500||ORU^R01^ORU_R01|C42|P|2.5.1',
    'PID|1||A1^^^HOSP^MR~B2^^^SSA^SS~||DOE&VAN&der^JANE^Q||""|F',
    'OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL',
    'OBX|2|ST|NOTE^Note^L||""',
    'OBX|3|NM|777-3^Platelets^LN||250|10*3/uL',
  ].join('\r'),
);

describe('paths: get', () => {
  const cases: [string, string][] = [
    ['MSH-1', '|'],
    ['MSH-2', '^~\\&'],
    ['MSH-9', 'ORU'],
    ['MSH-9.2', 'R01'],
    ['MSH-10', 'C42'],
    ['PID-3', 'A1'],
    ['PID-3[2]', 'B2'],
    ['PID-3[2].4', 'SSA'],
    ['PID-3[3].1', ''],
    ['PID-3[9]', ''],
    ['PID-5.1.2', 'VAN'],
    ['PID-5.2', 'JANE'],
    ['PID-7', ''],
    ['OBX-5', '13.2'],
    ['OBX[3]-5', '250'],
    ['OBX[3]-3.2', 'Platelets'],
    ['OBX[4]-5', ''],
    ['NTE-3', ''],
  ];
  for (const [path, value] of cases) {
    it(`${path} → ${JSON.stringify(value)}`, () => {
      expect(msg.get(path)).toBe(value);
      expect(compilePath(path).get(msg)).toBe(value);
    });
  }
});

describe('paths: getAll, raw, presence', () => {
  it('getAll walks every segment occurrence and every repetition', () => {
    expect(msg.getAll('OBX-5')).toEqual(['13.2', '', '250']);
    expect(msg.getAll('OBX-3.1')).toEqual(['718-7', 'NOTE', '777-3']);
    expect(msg.getAll('PID-3.1')).toEqual(['A1', 'B2', '']);
    expect(msg.getAll('PID-3[2].5')).toEqual(['SS']);
    expect(msg.getAll('PID-3[5]')).toEqual([]);
    expect(msg.getAll('OBX[2]-3.1')).toEqual(['NOTE']);
    expect(msg.getAll('OBX-6')).toEqual(['g/dL', '10*3/uL']); // an empty field has no values
    expect(msg.getAll('NTE-3')).toEqual([]);
  });

  it('raw keeps structure and escapes', () => {
    expect(compilePath('PID-3').raw(msg)).toBe('A1^^^HOSP^MR~B2^^^SSA^SS~');
    expect(compilePath('PID-3[2]').raw(msg)).toBe('B2^^^SSA^SS');
    expect(compilePath('PID-5.1').raw(msg)).toBe('DOE&VAN&der');
    expect(compilePath('MSH-2').raw(msg)).toBe('^~\\&');
  });

  it('presence tells absent, HL7 null and valued apart', () => {
    expect(compilePath('PID-7').presence(msg)).toBe('null');
    expect(compilePath('PID-6').presence(msg)).toBe('absent');
    expect(compilePath('PID-8').presence(msg)).toBe('present');
    expect(compilePath('OBX[2]-5').presence(msg)).toBe('null');
    expect(compilePath('NTE-1').presence(msg)).toBe('absent');
  });
});

describe('paths relative to one segment (the mapping engine\'s "current OBX")', () => {
  const code = compilePath('OBX-3.1');
  const value = compilePath('OBX-5');

  it('reads the segment it is given', () => {
    const rows = msg.segmentsNamed('OBX').map((obx) => [code.get(obx), value.get(obx), obx.get('OBX-6')]);
    expect(rows).toEqual([
      ['718-7', '13.2', 'g/dL'],
      ['NOTE', '', ''],
      ['777-3', '250', '10*3/uL'],
    ]);
    expect(compilePath('PID-3.1').getAll(msg.segment('PID')!)).toEqual(['A1', 'B2', '']);
  });

  it('refuses a path naming another segment, or an occurrence', () => {
    const obx = msg.segment('OBX')!;
    expect(() => compilePath('PID-3').get(obx)).toThrowError(
      expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_PATH', message: 'path PID-3 names segment PID but was evaluated on a OBX segment' }),
    );
    expect(() => compilePath('OBX[2]-5').getAll(obx)).toThrow(/names a segment occurrence/);
  });
});

describe('compilePath', () => {
  it('parses once: the same text gives the same compiled path', () => {
    const p = compilePath('OBX[3]-5[2].1.2');
    expect(compilePath('OBX[3]-5[2].1.2')).toBe(p);
    expect(p).toMatchObject({ segment: 'OBX', occurrence: 3, field: 5, repetition: 2, component: 1, subcomponent: 2, text: 'OBX[3]-5[2].1.2' });
    expect(compilePath('PID-3')).toMatchObject({ occurrence: undefined, repetition: undefined, component: undefined });
  });

  const invalid: [string, number, RegExp][] = [
    ['', 1, /expected a segment name .* found the end/],
    ['pid-3', 1, /expected a segment name/],
    ['P1D3', 4, /expected "-" and a field number at position 4, found "3"/],
    ['PID-', 5, /expected a field number at position 5, found the end/],
    ['PID-x', 5, /found "x"/],
    ['PID-0', 5, /at least 1/],
    ['PID-3[2', 8, /expected "\]" at position 8/],
    ['PID-3[0]', 7, /repetition number of at least 1/],
    ['OBX[]-5', 5, /expected a segment occurrence at position 5/],
    ['PID-3.1.2.3', 10, /expected the end at position 10, found "\."/],
    ['PID-3 ', 6, /expected "\[", "\." or the end at position 6/],
    ['PID.3.1', 4, /expected "-"/],
  ];
  for (const [path, column, message] of invalid) {
    it(`refuses ${JSON.stringify(path)} at position ${column}`, () => {
      expect(() => compilePath(path)).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_PATH', location: { column } }));
      expect(() => compilePath(path)).toThrow(message);
    });
  }
});
