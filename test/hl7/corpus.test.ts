/**
 * Every message of the corpus (fixtures/hl7/corpus, see SOURCES.md): parsed, or refused with the
 * right error; serialised back without loss; and, for a handful, header and fields checked
 * against values read from the bytes by hand.
 */
import { describe, expect, it } from 'vitest';
import { isMedibusError, type ErrorCode } from '../../src/errors.js';
import { checkRequired, parseMessage, splitMessages } from '../../src/hl7/index.js';
import { bytesAsText, corpus, corpusFiles } from './fixtures.js';

const NEGATIVE: Record<string, ErrorCode> = {
  'cdc-trusted-intermediary__Test_Message_empty.hl7': 'MEDIBUS_ERR_HL7_EMPTY',
  'cdc-trusted-intermediary__Test_Message_msh_present_but_missing_all_fields.hl7': 'MEDIBUS_ERR_HL7_DELIMITERS',
};

/** FHS/BHS envelopes: parseMessage refuses them (naming splitMessages), splitMessages reads them. */
const BATCHES: Record<string, number> = {
  'cdc-reportstream__batch_message.hl7': 2,
  'cdc-reportstream__sample-batch-pdi-20210608-0001.hl7': 20,
  'cdc-trusted-intermediary__Test_Results_005_AL_ORU_R01_NBS_Simplified_0_initial_message.hl7': 1,
};

/** Input with every line break turned into a CR terminator and blank lines dropped. */
function normalised(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line + '\r')
    .join('');
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isMedibusError(e) ? e.code : `not a MedibusError: ${String(e)}`;
  }
  return undefined;
}

describe('the corpus', () => {
  const files = corpusFiles();

  it('is all there (59 files)', () => {
    expect(files).toHaveLength(59);
  });

  for (const file of files) {
    it(`${file}: parses, or fails as it should, without loss`, () => {
      const bytes = corpus(file);
      if (NEGATIVE[file] !== undefined) {
        expect(codeOf(() => parseMessage(bytes))).toBe(NEGATIVE[file]);
        return;
      }
      if (BATCHES[file] !== undefined) {
        expect(codeOf(() => parseMessage(bytes))).toBe('MEDIBUS_ERR_HL7_NO_MSH');
        const batch = splitMessages(bytes);
        expect(batch.messages).toHaveLength(BATCHES[file]);
        expect(batch.messages.map((m) => m.toString()).join('')).toBe(
          normalised(bytesAsText(bytes)).replace(/^(FHS|BHS|BTS|FTS)\|[^\r]*\r/gm, ''),
        );
        return;
      }
      // One char per byte: toString() must give back exactly the input bytes.
      const text = bytesAsText(bytes);
      let expected = normalised(text);
      if (file === 'cdc-trusted-intermediary__TX_001_TX_OML_O21.hl7') {
        // the LF inside OBR-4 is data, not a segment terminator (see the model tests)
        expected = expected.replace('Newborn screening\rpanel AHIC', 'Newborn screening\npanel AHIC');
      }
      expect(parseMessage(text).toString()).toBe(expected);
      const fromBytes = parseMessage(bytes);
      expect(fromBytes.segments.length).toBe(expected.split('\r').length - 1);
      expect(fromBytes.msh.name).toBe('MSH');
    });
  }

  it('the message without MSH-9 parses, and checkRequired refuses it at MSH-9', () => {
    const msg = parseMessage(corpus('cdc-trusted-intermediary__Test_Message_msh_present_but_missing_msh-9.hl7'));
    expect(msg.header.controlId).toBe('111111');
    expect(checkRequired(msg).map((e) => [e.code, e.location?.field, e.location?.component])).toEqual([['101', 9, 1]]);
  });
});

describe('header fields, read by hand from the bytes', () => {
  it('ADT01-23: UTF-8 BOM, LF, v2.3, MSH-15 a single space', () => {
    const msg = parseMessage(corpus('microsoft-fhir-converter__ADT01-23.hl7'));
    expect(msg.header).toMatchObject({
      sendingApplication: 'AccMgr',
      sendingFacility: '1',
      receivingApplication: '',
      dateTime: '20050110045504+0700',
      messageType: 'ADT',
      triggerEvent: 'A01',
      structure: '',
      controlId: '599102',
      processingId: 'P',
      version: '2.3',
      acceptAckType: '',
    });
    expect(msg.get('PID-3.1')).toBe('10006579');
    expect(msg.get('PID-3.5')).toBe('MR');
    expect(msg.get('PID-5.2')).toBe('DONALD');
    expect(msg.get('PID-7')).toBe('19241010');
    expect(msg.segmentsNamed('IN1').map((s) => s.get('IN1-4'))).toEqual(['MEDICARE', 'MEDICAL MUTUAL CALIF.', 'SELF PAY']);
  });

  it('OBX-to-Observation-ed-value: five encoding characters ^~\\&# (v2.7 truncation)', () => {
    const msg = parseMessage(corpus('cdc-reportstream__OBX-to-Observation-ed-value.hl7'));
    expect(msg.delimiters).toMatchObject({ component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '#' });
    expect(msg.get('MSH-2')).toBe('^~\\&#');
    expect(msg.header).toMatchObject({ controlId: '12345', processingId: '', version: '2.5.1', structure: 'ORU_R01', charset: 'UNICODE UTF-8' });
    expect(msg.get('OBX-5.1.2')).toBe('2.1.3.4');
    expect(msg.get('OBX-5.4')).toBe('Base64');
    expect(msg.get('OBX-5.5')).toBe('AAAAAAAAA');
  });

  it('LinuxForHealth sample_win: CRLF, MSH-2 ^~\\\\& read as ^~\\&', () => {
    const msg = parseMessage(corpus('linuxforhealth-hl7v2-fhir__sample_win.hl7'));
    expect(msg.delimiters).toMatchObject({ field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '' });
    expect(msg.get('MSH-2')).toBe('^~\\\\&');
    expect(msg.warnings[0]).toContain('repeats the escape character');
    expect(msg.header).toMatchObject({
      sendingApplication: 'SE050',
      sendingFacility: '050',
      receivingApplication: 'PACS',
      receivingFacility: '050',
      dateTime: '20120912011230',
      controlId: '102',
      processingId: 'T',
      version: '2.6',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      charset: 'ASCII',
    });
    expect(msg.get('PID-3[2].1')).toBe('1234568965');
    expect(msg.get('PID-3[2].4')).toBe('USA');
    expect(msg.getAll('OBX-16.2')).toEqual(['TRDSE', 'MRTTE', 'MGHOBT', 'LOTHDEW']);
    // an escape character with no closing one is data, kept as sent
    expect(msg.get('OBX-17')).toBe('\\r');
    expect(msg.get('MSH-24.3')).toBe('IPv6\\r"');
  });

  it('PT-to-Meta: one MSH with no terminator at all', () => {
    const msg = parseMessage(corpus('cdc-reportstream__PT-to-Meta.hl7'));
    expect(msg.segments).toHaveLength(1);
    expect(msg.header).toMatchObject({ controlId: '3003786103_4988249_33033', processingId: 'T', version: '2.5.1' });
    expect(msg.get('MSH-11.2')).toBe('T');
  });

  it('Natus ORU: 110 OBX, a 32 KB base64 OBX-5, \\S\\ in a code text', () => {
    const msg = parseMessage(corpus('cdc-trusted-intermediary__Natus_002_Natus_ORU_R01_NBS.hl7'));
    expect(msg.header).toMatchObject({
      sendingApplication: 'Natus^natus.health.state.mn.us^DNS',
      controlId: '20240215200725_0005',
      processingId: 'D',
      acceptAckType: 'AL',
      applicationAckType: 'AL',
    });
    expect(msg.getAll('MSH-21')).toEqual(['LRI_NG_FRN_PROFILE', 'LRI_NDBS_COMPONENT', 'LAB_PRN_Component', 'LAB_TO_COMPONENT']);
    expect(msg.segmentsNamed('OBX')).toHaveLength(110);
    const base64 = msg.get('OBX[79]-5.5');
    expect(base64).toHaveLength(31888);
    expect(base64.startsWith('PGh0bWw+DQoNCjxo')).toBe(true);
    expect(base64.endsWith('PjwvZGl2Pg0K')).toBe(true);
    expect(msg.get('OBX[79]-5.2')).toBe('TEXT');
    expect(msg.get('OBX[82]-3.2')).toBe('Body weight^at birth');
  });

  it('CA ORU: CRLF, \\.br\\ and \\R\\ escapes, UTF-8 µ without MSH-18', () => {
    const msg = parseMessage(corpus('cdc-trusted-intermediary__CA_003_CA_ORU_R01_CDPH_produced_0_initial_message.hl7'));
    expect(msg.header.controlId).toBe('243408787');
    expect(msg.get('MSH-5.3')).toBe('L,M,N');
    expect(msg.get('OBX[6]-5')).toMatch(
      /^ACTION REQUIRED\n\nNBS Testing Lab - COMMUNITY REG MEDICAL CENTER LAB ~M 57752YWKP NAEBC, ETS8021 , FRESNO, CA 99999\n\nGenetic Disease/,
    );
    expect(msg.getAll('OBX-6')).toContain('µmol/L');
  });

  it('Efferent ORM: \\.br\\, \\H\\/\\N\\ highlighting and \\X0D\\\\X0A\\ hex', () => {
    const msg = parseMessage(corpus('efferent-hl7-dotnetcore__Sample-ORM.txt.hl7'));
    expect(msg.getAll('NTE-3')).toEqual([
      'some text\nsome text after new line\nissue Efferent-Health#82',
      'some text\r\nsome text after new line\r\nissue Efferent-Health#81',
    ]);
  });

  it('CR segment terminators with a trailing LF, MSH-18 8859/1', () => {
    const msg = parseMessage(corpus('cdc-trusted-intermediary__Test_Orders_011_AL_ORM_O01_malformed_DTM_datatype_3_hl7_translation_final.hl7'));
    expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'NK1', 'ORC', 'OBR', 'OBX', 'NTE', 'SPM']);
    expect(msg.charset).toBe('ISO-8859-1');
    expect(msg.get('OBX-5')).toBe('February 2 2024');
  });
});
