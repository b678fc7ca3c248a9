import { describe, expect, it } from 'vitest';
import { lookupConverter } from '../../../src/mapping/hl7v2/datatypes/index.js';
import { mimeType } from '../../../src/mapping/hl7v2/datatypes/attachment.js';
import { context, fhirIssues, rep } from './support.js';

const ed = lookupConverter('Attachment')!;
const rp = lookupConverter('Attachment', 'RP')!;

/** IG ED[Attachment], RP[Attachment]; HL7 v2.5.1 §2.A.24, §2.A.65, tables 0191/0291/0299. */
describe('ED → Attachment', () => {
  it('keeps Base64 data and turns AP^PDF into application/pdf', () => {
    const value = ed(rep('LAB^AP^PDF^Base64^JVBERi0xLjQK'), context());
    expect(value).toEqual({ contentType: 'application/pdf', data: 'JVBERi0xLjQK' });
    expect(fhirIssues({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: value }] })).toEqual([]);
  });

  it('accepts a MIME type split over ED.2/ED.3', () => {
    expect(ed(rep('^application^pdf^Base64^AAAA'), context())).toMatchObject({ contentType: 'application/pdf' });
    expect(ed(rep('^TEXT^html^Base64^AAAA'), context())).toMatchObject({ contentType: 'text/html' });
    expect(ed(rep('^IM^JPEG^Base64^AAAA'), context())).toMatchObject({ contentType: 'image/jpeg' });
  });

  it('re-encodes Hex and ASCII data as base64', () => {
    expect(ed(rep('^TEXT^^Hex^48656C6C6F'), context())).toEqual({ contentType: 'text/plain', data: 'SGVsbG8=' });
    expect(ed(rep('^TEXT^^A^Xin chào'), context())).toEqual({ contentType: 'text/plain', data: Buffer.from('Xin chào').toString('base64') });
  });

  it('removes line breaks inside base64 and refuses what is not base64', () => {
    expect(ed(rep('^AP^PDF^Base64^JVBE\\.br\\Ri0xLjQK'), context())).toMatchObject({ data: 'JVBERi0xLjQK' });
    const ctx = context();
    expect(ed(rep('^AP^PDF^Base64^not base64!'), ctx)).toBeUndefined();
    expect(ctx.warnings).toEqual(['ED.5: not valid base64']);
  });

  it('gives octet-stream when the type says nothing (att-1: data needs a contentType)', () => {
    expect(ed(rep('^NS^^Base64^AAAA'), context())).toEqual({ contentType: 'application/octet-stream', data: 'AAAA' });
  });

  it('maps table 0291 subtypes', () => {
    expect(mimeType('AP', 'RTF')).toBe('application/rtf');
    expect(mimeType('IM', 'TIFF')).toBe('image/tiff');
    expect(mimeType('AP', 'Octet-stream')).toBe('application/octet-stream');
    expect(mimeType('multipart', 'x-hl7-cda-level-one')).toBe('multipart/x-hl7-cda-level-one');
    expect(mimeType('AP', 'image/png')).toBe('image/png');
    expect(mimeType('XX', 'YY')).toBeUndefined();
  });
});

describe('RP → Attachment', () => {
  it('maps RP.1 to url and RP.3/RP.4 to contentType', () => {
    expect(rp(rep('https://pacs.example.vn/study/1^^image^JPEG'), context())).toEqual({ contentType: 'image/jpeg', url: 'https://pacs.example.vn/study/1' });
    expect(rp(rep('file:///reports/report 1.pdf?a=1\\T\\b=2^^AP^PDF'), context())).toEqual({ contentType: 'application/pdf', url: 'file:///reports/report%201.pdf?a=1&b=2' });
  });
});

describe('ST / TX / FT / ID', () => {
  it('string and markdown are unescaped text (\\.br\\ → newline by the HL7 core)', () => {
    expect(lookupConverter('string')!(rep('Nhận xét:\\.br\\Bình thường'), context())).toBe('Nhận xét:\nBình thường');
    expect(lookupConverter('markdown', 'FT')!(rep('a \\F\\ b'), context())).toBe('a | b');
    expect(lookupConverter('string')!(rep('   '), context())).toBeUndefined();
  });

  it('FT/TX → Annotation (IG FT[Annotation-Comment])', () => {
    const value = lookupConverter('Annotation')!(rep('Mẫu tán huyết\\.br\\Lấy lại mẫu'), context());
    expect(value).toEqual({ text: 'Mẫu tán huyết\nLấy lại mẫu' });
    expect(fhirIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, note: [value] })).toEqual([]);
  });

  it('ID → boolean: Y/N only (IG ID[boolean], YesNoIndicator)', () => {
    const bool = lookupConverter('boolean')!;
    const ctx = context();
    expect(bool(rep('Y'), ctx)).toBe(true);
    expect(bool(rep('N'), ctx)).toBe(false);
    expect(bool(rep(''), ctx)).toBeUndefined();
    expect(bool(rep('y'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(1);
  });

  it('uri and id are checked', () => {
    const ctx = context();
    expect(lookupConverter('uri')!(rep('http://example.org/a'), ctx)).toBe('http://example.org/a');
    expect(lookupConverter('uri')!(rep('not a uri'), ctx)).toBeUndefined();
    expect(lookupConverter('id')!(rep('abc-1.2'), ctx)).toBe('abc-1.2');
    expect(lookupConverter('id')!(rep('abc_1'), ctx)).toBeUndefined();
    expect(ctx.warnings).toHaveLength(2);
  });

  it('code reads component 1 of an ST or ID', () => {
    expect(lookupConverter('code', 'ST')!(rep('final'), context())).toBe('final');
    expect(lookupConverter('code', 'ID')!(rep('F'), context())).toBe('F');
  });
});
