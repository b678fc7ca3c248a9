import { describe, expect, it } from 'vitest';
import { splitBatch, splitMessages } from '../../src/hl7/index.js';
import { corpus } from './fixtures.js';

const msh = (id: string): string => `MSH|^~\\&|A|B|C|D|20240101||ADT^A01|${id}|P|2.5.1`;

describe('splitMessages on the corpus batches', () => {
  it('full envelope FHS/BHS/2×MSH/BTS/FTS, LF', () => {
    const b = splitMessages(corpus('cdc-reportstream__batch_message.hl7'));
    expect(b.fileHeader?.get('FHS-3')).toBe('CDC PRIME - Atlanta, Georgia (Dekalb)');
    expect(b.fileHeader?.field(2).value).toBe('^~\\&');
    expect(b.fileTrailer?.get('FTS-1')).toBe('1');
    expect(b.batches).toHaveLength(1);
    expect(b.batches[0].header?.name).toBe('BHS');
    expect(b.batches[0].trailer?.get('BTS-1')).toBe('2');
    expect(b.messages.map((m) => m.header.controlId)).toEqual(['371784', '612092']);
    expect(b.batches[0].messages).toEqual(b.messages);
    expect(b.warnings).toEqual([]);
  });

  it('20 messages with CR-only terminators', () => {
    const b = splitMessages(corpus('cdc-reportstream__sample-batch-pdi-20210608-0001.hl7'));
    expect(b.messages).toHaveLength(20);
    expect(b.messages[0].header.controlId).toBe('885617');
    expect(b.messages[19].header.controlId).toBe('556619');
    expect(b.messages.every((m) => m.segments[0].name === 'MSH' && m.segment('PID') !== undefined)).toBe(true);
    expect(b.warnings).toEqual([]);
  });

  it('FHS and BHS without trailers (MSH-18 UNICODE UTF-8)', () => {
    const b = splitMessages(corpus('cdc-trusted-intermediary__Test_Results_005_AL_ORU_R01_NBS_Simplified_0_initial_message.hl7'));
    expect(b.fileHeader?.name).toBe('FHS');
    expect(b.fileTrailer).toBeUndefined();
    expect(b.batches[0].trailer).toBeUndefined();
    expect(b.messages.map((m) => [m.header.controlId, m.charset])).toEqual([['858625', 'UTF-8']]);
    expect(b.warnings).toEqual([]);
  });

  it('a plain file of one message is one batch without envelope', () => {
    const b = splitMessages(corpus('microsoft-fhir-converter__ADT01-23.hl7'));
    expect(b.fileHeader).toBeUndefined();
    expect(b.batches).toHaveLength(1);
    expect(b.batches[0].header).toBeUndefined();
    expect(b.messages[0].header.controlId).toBe('599102');
  });
});

describe('splitBatch and other shapes', () => {
  it('several MSH messages one after another, without envelope', () => {
    const text = [msh('1'), 'PID|1||X', msh('2'), 'PID|1||Y', 'OBX|1', msh('3')].join('\n');
    const b = splitBatch(text);
    expect(b.messages).toEqual([`${msh('1')}\rPID|1||X\r`, `${msh('2')}\rPID|1||Y\rOBX|1\r`, `${msh('3')}\r`]);
    expect(splitMessages(text).messages.map((m) => m.get('PID-3'))).toEqual(['X', 'Y', '']);
  });

  it('several batches in one file, with counts checked', () => {
    const text = ['FHS|^~\\&|S', 'BHS|^~\\&|B1', msh('1'), msh('2'), 'BTS|2', 'BHS|^~\\&|B2', msh('3'), 'BTS|1', 'FTS|2'].join('\r');
    const b = splitBatch(text);
    expect(b.batches.map((x) => [x.header, x.messages.length, x.trailer])).toEqual([
      ['BHS|^~\\&|B1', 2, 'BTS|2'],
      ['BHS|^~\\&|B2', 1, 'BTS|1'],
    ]);
    expect(b.messages).toHaveLength(3);
    expect(b.warnings).toEqual([]);
  });

  it('reports BTS-1 and FTS-1 count mismatches as warnings, keeping the messages', () => {
    const text = ['FHS|^~\\&', 'BHS|^~\\&', msh('1'), msh('2'), msh('3'), 'BTS|2', 'FTS|4'].join('\r');
    const b = splitMessages(text);
    expect(b.messages).toHaveLength(3);
    expect(b.warnings).toEqual([
      'FTS-1 batch count says 4 but the file holds 1 batch(es)',
      'BTS-1 message count of batch 1 says 2 but the file holds 3 message(s)',
    ]);
  });

  it('reads envelope segments with the delimiters they declare', () => {
    const b = splitMessages('BHS#$*?@#SENDER$FAC\rMSH#$*?@#A##B##20240101##ADT$A01#7#P#2.5\rBTS#1#note?F?x');
    expect(b.batches[0].header?.get('BHS-3.2')).toBe('FAC');
    expect(b.batches[0].trailer?.get('BTS-2')).toBe('note#x');
    expect(b.messages[0].get('MSH-9.2')).toBe('A01');
  });

  it('refuses segments outside any message, and what is not a batch at all', () => {
    expect(() => splitBatch('BHS|^~\\&\rPID|1\rMSH|^~\\&|A')).toThrowError(
      expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_BATCH', location: { segment: 'PID', segmentIndex: 2 } }),
    );
    expect(() => splitBatch(`FHS|^~\\&\r${msh('1')}\rFTS|1\r${msh('2')}`)).toThrow(/MSH after the FTS file trailer/);
    expect(() => splitBatch('PID|1')).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_NO_MSH' }));
    expect(() => splitBatch('\n\n')).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_EMPTY' }));
  });
});
