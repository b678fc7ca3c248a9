/**
 * Route envelopes across the message model: v3 carries the kind, content type and original
 * bytes of any payload; a v2 envelope (HL7 only, as medibus wrote them before kinds, which may
 * sit in route queues across an upgrade) still decodes, as HL7.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../src/pipeline/envelope.js';

const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' } }] };

describe('route envelope', () => {
  it('decodes a v2 envelope, byte for byte as before kinds, as HL7', () => {
    const hl7 = 'MSH|^~\\&|HIS|H|MEDIBUS|H|20240305||ADT^A01|C1|P|2.5.1\rPID|1||MRN1^^^H^MR||Nguyễn^Ánh';
    const bundleJson = JSON.stringify(bundle);
    const head = JSON.stringify({ v: 2, charset: 'windows-1258', hl7: Buffer.byteLength(hl7), bundle: Buffer.byteLength(bundleJson), type: 'transaction', entries: 1 });
    const decoded = decodeEnvelope(Buffer.from(`${head}\n${hl7}${bundleJson}`, 'utf8'));
    expect([decoded.kind, decoded.contentType, decoded.charset, decoded.hl7, decoded.entries]).toEqual(['hl7v2', 'application/hl7-v2', 'windows-1258', hl7, 1]);
    expect(decoded.bundle).toEqual(bundle);
  });

  it('carries a DICOM or CSV original as the bytes it was given, with its kind', () => {
    const original = Buffer.from(JSON.stringify({ '00080060': { vr: 'CS', Value: ['CT'] } }), 'utf8');
    const decoded = decodeEnvelope(encodeEnvelope({ kind: 'dicom', contentType: 'application/dicom+json', original, bundle }));
    expect([decoded.kind, decoded.contentType, decoded.charset, decoded.hl7]).toEqual(['dicom', 'application/dicom+json', 'UTF-8', '']);
    expect(decoded.original.equals(original)).toBe(true);
    expect(decoded.bundle).toEqual(bundle);
    const unmapped = decodeEnvelope(encodeEnvelope({ kind: 'csv', contentType: 'application/vnd.medibus.csv-rows+json', original: Buffer.from('{"rows":[]}') }));
    expect([unmapped.kind, unmapped.bundle, unmapped.original.toString()]).toEqual(['csv', undefined, '{"rows":[]}']);
  });

  it('writes HL7 as v3 that reads back the same text and charset', () => {
    const envelope = encodeEnvelope({ hl7: 'MSH|^~\\&|A\rPID|1', charset: 'ISO-8859-1' });
    expect(JSON.parse(envelope.subarray(0, envelope.indexOf(0x0a)).toString())).toMatchObject({ v: 3, kind: 'hl7v2', contentType: 'application/hl7-v2' });
    const decoded = decodeEnvelope(envelope);
    expect([decoded.hl7, decoded.charset]).toEqual(['MSH|^~\\&|A\rPID|1', 'ISO-8859-1']);
  });

  it('refuses a head of an unknown kind or version, and a truncated body', () => {
    const head = (h: object): Buffer => Buffer.from(`${JSON.stringify(h)}\n`);
    expect(() => decodeEnvelope(head({ v: 3, kind: 'astm', contentType: 'x', original: 0, bundle: 0 }))).toThrow(/not a medibus envelope/);
    expect(() => decodeEnvelope(head({ v: 4, kind: 'csv', contentType: 'x', original: 0, bundle: 0 }))).toThrow(/not a medibus envelope/);
    const whole = encodeEnvelope({ kind: 'csv', contentType: 'x', original: Buffer.from('abc') });
    expect(() => decodeEnvelope(whole.subarray(0, whole.length - 1))).toThrow(/truncated/);
  });
});
