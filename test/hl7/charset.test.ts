import { describe, expect, it } from 'vitest';
import {
  charsetFromMsh,
  decodeText,
  encodeText,
  parseMessage,
  unescapeText,
  DEFAULT_DELIMITERS,
} from '../../src/hl7/index.js';
import { corpus, fixture } from './fixtures.js';

/** The fixture with another MSH-18 label (same length or not: only MSH changes). */
function relabel(buf: Buffer, from: string, to: string): Buffer {
  const at = buf.indexOf(from);
  return Buffer.concat([buf.subarray(0, at), Buffer.from(to, 'latin1'), buf.subarray(at + from.length)]);
}

const fullName = (m: ReturnType<typeof parseMessage>): string => `${m.get('PID-5.1')} ${m.get('PID-5.3')} ${m.get('PID-5.2')}`;

describe('Vietnamese, Windows-1258', () => {
  const cp1258 = fixture('vi-adt-a01-cp1258.hl7');

  it('the fixture really is Windows-1258 with combining tone marks', () => {
    // "Nguyễn" = N g u y, ê (0xEA), combining tilde (0xDE), n
    expect(cp1258.includes(Buffer.from([0x4e, 0x67, 0x75, 0x79, 0xea, 0xde, 0x6e]))).toBe(true);
    expect(cp1258.includes(Buffer.from('Nguyễn', 'utf8'))).toBe(false);
  });

  it('decodes names to precomposed (NFC) text', () => {
    const msg = parseMessage(cp1258);
    expect(msg.charset).toBe('windows-1258');
    expect(fullName(msg)).toBe('Nguyễn Thị Ánh');
    expect(msg.get('PID-5.1')).toBe('Nguy\u1EC5n'); // ễ as one code point
    expect(msg.get('PID-11.1')).toBe('12 Phố Huế');
    expect(msg.get('PID-11.9')).toBe('Hai Bà Trưng');
    expect(msg.get('NK1-2.1')).toBe('Trần');
    expect(msg.get('NK1-2.2')).toBe('Đức');
    expect(msg.get('DG1-3.2')).toBe('Viêm phổi, không đặc hiệu');
  });

  it('accepts WINDOWS-1258, CP1258 and windows-1258 in MSH-18', () => {
    for (const label of ['WINDOWS-1258', 'CP1258', 'windows-1258', 'cp1258']) {
      const msg = parseMessage(relabel(cp1258, 'WINDOWS-1258', label));
      expect(msg.header.charset).toBe(label);
      expect(fullName(msg)).toBe('Nguyễn Thị Ánh');
    }
  });

  it('gives the same text as the UTF-8 version of the message', () => {
    const utf8 = parseMessage(fixture('vi-adt-a01-utf8.hl7'));
    const win = parseMessage(cp1258);
    expect(utf8.charset).toBe('UTF-8');
    expect(fullName(utf8)).toBe('Nguyễn Thị Ánh');
    expect(win.toString().replace('WINDOWS-1258', 'UNICODE UTF-8')).toBe(utf8.toString());
  });

  it('encodeText writes Windows-1258 that reads back, with base letter + tone mark bytes', () => {
    const bytes = encodeText('Nguyễn Thị Ánh', 'WINDOWS-1258');
    expect([...bytes.subarray(4, 6)]).toEqual([0xea, 0xde]); // ê + combining tilde, not "?"
    expect(bytes.includes(0x3f)).toBe(false);
    expect(decodeText(bytes, 'CP1258')).toBe('Nguyễn Thị Ánh');
    expect(decodeText(encodeText(fixture('vi-adt-a01-utf8.hl7').toString('utf8'), 'windows-1258'), 'windows-1258')).toBe(
      fixture('vi-adt-a01-utf8.hl7').toString('utf8'),
    );
  });

  it('decodes \\X..\\ hex escapes in the message charset', () => {
    // 0xEA 0xDE in Windows-1258 is ễ
    expect(unescapeText('Nguy\\XEADE\\n', DEFAULT_DELIMITERS, 'windows-1258')).toBe('Nguyễn');
    expect(unescapeText('Nguy\\XE1BB85\\n', DEFAULT_DELIMITERS, 'UTF-8')).toBe('Nguyễn');
  });
});

describe('ISO-8859-1 (8859/1)', () => {
  it('decodes é, ü and ß from single bytes', () => {
    const bytes = fixture('de-adt-a01-8859-1.hl7');
    expect(bytes.includes(Buffer.from([0x4d, 0xfc, 0x6c]))).toBe(true); // "Mül" in Latin-1
    const msg = parseMessage(bytes);
    expect(msg.charset).toBe('ISO-8859-1');
    expect(msg.get('PID-5.1')).toBe('Müller');
    expect(msg.get('PID-5.2')).toBe('Hélène');
    expect(msg.get('PID-11.1')).toBe('Königstraße 12');
    expect(encodeText('Müller', '8859/1')).toEqual(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]));
  });

  it('MSH-18 wins over the bytes: a UTF-8 message labelled 8859/1 reads as Latin-1', () => {
    // elims file: EF BF BD (UTF-8 replacement char) under MSH-18 8859/1
    const msg = parseMessage(corpus('cdc-reportstream__elims_29_5065302_35227_NoPII_CANCELED.hl7'));
    expect(msg.charset).toBe('ISO-8859-1');
    expect(msg.getAll('OBX-3.5')).toContain('Ciprofloxacin 2.0 \u00ef\u00bf\u00bdg/mL');
  });
});

describe('choosing the decoder', () => {
  const utf8 = fixture('vi-adt-a01-utf8.hl7');

  it('falls back to options.charset, then UTF-8, when MSH-18 is empty', () => {
    const latin = relabel(fixture('de-adt-a01-8859-1.hl7'), '|8859/1', '|');
    expect(parseMessage(latin, { charset: '8859/1' }).get('PID-5.1')).toBe('Müller');
    expect(parseMessage(latin).charset).toBe('UTF-8');
    expect(parseMessage(latin).get('PID-5.1')).toBe('M\uFFFDller');
  });

  it('MSH-18 wins over options.charset', () => {
    expect(parseMessage(utf8, { charset: 'windows-1258' }).get('PID-5.1')).toBe('Nguyễn');
  });

  it('an unknown MSH-18 is MEDIBUS_ERR_HL7_CHARSET at MSH-18', () => {
    const bad = relabel(utf8, 'UNICODE UTF-8', 'KLINGON-7');
    expect(() => parseMessage(bad)).toThrowError(expect.objectContaining({ code: 'MEDIBUS_ERR_HL7_CHARSET', location: { segment: 'MSH', field: 18 } }));
    expect(() => parseMessage(bad)).toThrow(/KLINGON-7/);
  });

  it('ASCII is read as UTF-8 (a superset), so mislabelled UTF-8 stays readable', () => {
    const ascii = relabel(utf8, 'UNICODE UTF-8', 'ASCII');
    expect(parseMessage(ascii).get('PID-5.1')).toBe('Nguyễn');
  });

  it('skips a UTF-8 BOM in bytes and in strings', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    expect(parseMessage(withBom).get('PID-5.1')).toBe('Nguyễn');
    expect(parseMessage('\uFEFF' + utf8.toString('utf8')).toString()).toBe(utf8.toString('utf8'));
  });
});

describe('charsetFromMsh', () => {
  it('reads MSH-18 from the bytes, first repetition, trimmed', () => {
    expect(charsetFromMsh(fixture('vi-adt-a01-cp1258.hl7'))).toBe('WINDOWS-1258');
    expect(charsetFromMsh(Buffer.from('MSH|^~\\&|||||||ADT^A01|1|P|2.5|||||| 8859/1 ~UNICODE UTF-8|\r'))).toBe('8859/1');
    expect(charsetFromMsh(corpus('cdc-trusted-intermediary__Test_Orders_011_AL_ORM_O01_malformed_DTM_datatype_3_hl7_translation_final.hl7'))).toBe('8859/1');
  });

  it('is undefined when MSH-18 is empty or the MSH is short', () => {
    expect(charsetFromMsh(corpus('microsoft-fhir-converter__ADT01-23.hl7'))).toBeUndefined();
    expect(charsetFromMsh(Buffer.from('MSH|^~\\&|A|B\r'))).toBeUndefined();
    expect(charsetFromMsh(Buffer.alloc(0))).toBeUndefined();
  });

  it('finds the first MSH of a batch, and works with other field separators', () => {
    expect(charsetFromMsh(corpus('cdc-trusted-intermediary__Test_Results_005_AL_ORU_R01_NBS_Simplified_0_initial_message.hl7'))).toBe(
      'UNICODE UTF-8',
    );
    expect(charsetFromMsh(Buffer.from('MSH#$*?@################UTF-8#\r'))).toBe('UTF-8');
  });
});
