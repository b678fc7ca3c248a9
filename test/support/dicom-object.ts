/**
 * Small valid DICOM Part-10 objects built in the test (PS3.10 §7.1 File Meta + an explicit VR
 * little endian data set, PS3.5 §7.1.2), for sources' tests: a Secondary Capture with the
 * patient, study and instance a test names, and optional Pixel Data of a given size.
 */
import type { ConsumeMessage } from 'amqplib';
import { encodeElement as element, encodeFileMeta, uid } from '../../src/sources/dicom/part10.js';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';

export interface ObjectFields {
  readonly sopInstanceUid: string;
  readonly patientId: string;
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly modality?: string;
  /** bytes of Pixel Data (OB); 0 or absent = no Pixel Data */
  readonly pixelBytes?: number;
}

/** a UID under 2.25 (PS3.5 B.2) made from a text, so a test id maps to one UID and back is not needed */
export function uidOf(text: string): string {
  let n = 0n;
  for (const byte of Buffer.from(text, 'utf8')) n = (n * 257n + BigInt(byte) + 1n) % 10n ** 38n;
  return `2.25.${n}`;
}

export function dicomObject(fields: ObjectFields): Buffer {
  const study = fields.studyInstanceUid ?? uidOf(`study:${fields.patientId}`);
  const series = fields.seriesInstanceUid ?? uidOf(`series:${study}`);
  const elements = [
    element(0x0008, 0x0016, 'UI', uid(SECONDARY_CAPTURE)),
    element(0x0008, 0x0018, 'UI', uid(fields.sopInstanceUid)),
    element(0x0008, 0x0020, 'DA', text('20261207')),
    element(0x0008, 0x0060, 'CS', text(fields.modality ?? 'OT')),
    element(0x0010, 0x0010, 'PN', text('Test^Object')),
    element(0x0010, 0x0020, 'LO', text(fields.patientId)),
    element(0x0020, 0x000d, 'UI', uid(study)),
    element(0x0020, 0x000e, 'UI', uid(series)),
    element(0x0020, 0x0013, 'IS', text('1')),
  ];
  const pixels = fields.pixelBytes ?? 0;
  if (pixels > 0) elements.push(element(0x7fe0, 0x0010, 'OB', Buffer.alloc(pixels + (pixels % 2), 0x5a)));
  const meta = encodeFileMeta({ sopClassUid: SECONDARY_CAPTURE, sopInstanceUid: fields.sopInstanceUid, transferSyntaxUid: EXPLICIT_VR_LE, sourceAeTitle: '' });
  return Buffer.concat([meta, ...elements]);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}

/** the Patient ID of an ingress message of kind dicom (its body is the DICOM JSON) */
export function patientIdOf(message: ConsumeMessage): string {
  const dataset = JSON.parse(message.content.toString('utf8')) as Record<string, { Value?: string[] }>;
  return dataset['00100020']?.Value?.[0] ?? '';
}
