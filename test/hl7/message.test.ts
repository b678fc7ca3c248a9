import { describe, expect, it } from 'vitest';
import { HL7_NULL, parseMessage } from '../../src/hl7/index.js';
import { corpus } from './fixtures.js';

const SAMPLE = [
  'MSH|^~\\&|LAB|HOSP|EMR|HOSP|20240305101500||ORU^R01^ORU_R01|C42|P|2.5.1|||AL|NE',
  'PID|1||A1^^^HOSP^MR~B2^^^SSA^SS~||DOE&VAN&der^JANE^Q||""|F|||""^^Paris|||||||||||',
  'OBR|1||F1|CBC^Blood count^L',
  'OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL',
  'OBX|2|ST|NOTE^Note^L||""',
  'OBX|3|NM|777-3^Platelets^LN||250',
  'ZPI|1|custom^value',
].join('\r');

describe('segments', () => {
  const msg = parseMessage(SAMPLE);

  it('keeps every segment in order, Z-segments included, with its position', () => {
    expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX', 'OBX', 'ZPI']);
    expect(msg.segments.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(msg.get('ZPI-2.2')).toBe('value');
  });

  it('finds segments by name and occurrence', () => {
    expect(msg.segment('OBX')?.get('OBX-1')).toBe('1');
    expect(msg.segment('OBX', 3)?.get('OBX-1')).toBe('3');
    expect(msg.segment('OBX', 4)).toBeUndefined();
    expect(msg.segment('NTE')).toBeUndefined();
    expect(msg.segmentsNamed('OBX').map((s) => s.field(5).value)).toEqual(['13.2', '', '250']);
    expect(msg.segmentsNamed('NTE')).toEqual([]);
    // after the index exists, occurrence lookups still agree
    expect(msg.segment('OBX', 2)?.index).toBe(4);
  });
});

describe('fields', () => {
  const msg = parseMessage(SAMPLE);
  const msh = msg.msh;
  const pid = msg.segment('PID');
  if (pid === undefined) throw new Error('PID missing');

  it('numbers MSH fields from the field separator: MSH-1 is "|", MSH-2 the encoding characters', () => {
    expect(msh.field(1).value).toBe('|');
    expect(msh.field(2).value).toBe('^~\\&');
    expect(msh.field(2).repetitionCount).toBe(1); // "~" in MSH-2 is not a repetition
    expect(msh.field(3).value).toBe('LAB');
    expect(msh.field(9).component(2)).toBe('R01');
    expect(msh.fieldCount).toBe(16);
  });

  it('numbers other segments from the first field after the name', () => {
    expect(pid.field(1).value).toBe('1');
    expect(pid.field(3).value).toBe('A1');
    expect(pid.fieldRaw(0)).toBe(''); // fields are 1-based; the name is pid.name
    expect(pid.fieldCount).toBe(22); // trailing empty fields count as sent
    expect(pid.field(99).isEmpty).toBe(true);
  });

  it('gives repetitions, components and subcomponents', () => {
    const ids = pid.field(3);
    expect(ids.repetitionCount).toBe(3);
    expect(ids.repetitions().map((r) => r.raw)).toEqual(['A1^^^HOSP^MR', 'B2^^^SSA^SS', '']);
    expect(ids.repetition(2).components()).toEqual(['B2', '', '', 'SSA', 'SS']);
    expect(ids.repetition(2).componentRaw(4)).toBe('SSA');
    expect(ids.repetition(9).isEmpty).toBe(true);
    const name = pid.field(5);
    expect(name.value).toBe('DOE');
    expect(name.repetition(1).subcomponents(1)).toEqual(['DOE', 'VAN', 'der']);
    expect(name.component(1, 3)).toBe('der');
    expect(name.component(3)).toBe('Q');
    expect(name.raw).toBe('DOE&VAN&der^JANE^Q');
  });

  it('tells empty from the HL7 null "" (v2.5.1 §2.5.3)', () => {
    const dob = pid.field(7);
    const sex = pid.field(8);
    const alias = pid.field(6);
    expect([dob.isNull, dob.isEmpty, dob.value, dob.raw]).toEqual([true, false, '', HL7_NULL]);
    expect([alias.isNull, alias.isEmpty, alias.value]).toEqual([false, true, '']);
    expect(sex.isNull).toBe(false);
    expect(pid.field(11).repetition(1).componentRaw(1)).toBe('""');
    expect(pid.field(11).component(1)).toBe('');
    expect(msg.segment('OBX', 2)?.field(5).isNull).toBe(true);
  });
});

describe('header', () => {
  it('is read once, on demand', () => {
    const msg = parseMessage(SAMPLE);
    expect(msg.header).toBe(msg.header);
    expect(msg.header).toEqual({
      messageType: 'ORU',
      triggerEvent: 'R01',
      structure: 'ORU_R01',
      controlId: 'C42',
      processingId: 'P',
      version: '2.5.1',
      sendingApplication: 'LAB',
      sendingFacility: 'HOSP',
      receivingApplication: 'EMR',
      receivingFacility: 'HOSP',
      dateTime: '20240305101500',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      charset: '',
    });
  });
});

describe('segment terminators and stray lines', () => {
  it('accepts CR, LF, CRLF and mixes, and drops blank lines', () => {
    const msg = parseMessage('\r\nMSH|^~\\&|A\rPID|1\nPV1|1\r\n\r\nOBX|1\n\n');
    expect(msg.segments.map((s) => s.raw)).toEqual(['MSH|^~\\&|A', 'PID|1', 'PV1|1', 'OBX|1']);
    expect(msg.toString()).toBe('MSH|^~\\&|A\rPID|1\rPV1|1\rOBX|1\r');
  });

  it('drops a blank CRLF line and a trailing line of spaces (Efferent Sample-ADT)', () => {
    const msg = parseMessage(corpus('efferent-hl7-dotnetcore__Sample-ADT.txt.hl7'));
    expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'NK1', 'NK1', 'PV1']);
    expect(msg.get('PV1-50')).toBe('002376853');
    expect(msg.warnings).toEqual([]);
  });

  it('keeps a line break inside a field as data, with a warning (TX OML: LF inside OBR-4)', () => {
    const msg = parseMessage(corpus('cdc-trusted-intermediary__TX_001_TX_OML_O21.hl7'));
    expect(msg.get('OBR-4.2')).toBe('Newborn screening\npanel AHIC');
    expect(msg.get('OBR-4.3')).toBe('LN');
    expect(msg.segment('OBR')?.get('OBR-16.2')).toBe('Dolittle');
    expect(msg.warnings).toEqual([
      'line 6 does not start with a segment name; kept as part of the OBR segment before it (a line break inside a field)',
    ]);
  });
});

describe('refused input', () => {
  const fail = (input: string | Buffer): unknown => {
    try {
      parseMessage(input);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('empty or blank: MEDIBUS_ERR_HL7_EMPTY', () => {
    for (const input of ['', '\r\n', '  \n', Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      expect(fail(input)).toMatchObject({ code: 'MEDIBUS_ERR_HL7_EMPTY' });
    }
  });

  it('no MSH first: MEDIBUS_ERR_HL7_NO_MSH saying what came instead', () => {
    expect(fail('PID|1||X')).toMatchObject({ code: 'MEDIBUS_ERR_HL7_NO_MSH', location: { segment: 'MSH' } });
    expect((fail('PID|1||X') as Error).message).toContain('"PID|1||X"');
    expect((fail('FHS|^~\\&\rMSH|^~\\&|A') as Error).message).toContain('splitMessages');
  });
});
