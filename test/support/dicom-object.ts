/**
 * Small valid DICOM Part-10 objects built in the test (PS3.10 §7.1 File Meta + an explicit VR
 * little endian data set, PS3.5 §7.1.2), for sources' tests: a Secondary Capture with the
 * patient, study and instance a test names, and optional Pixel Data of a given size.
 */
import { encodeFileMeta } from '../../src/sources/dicom/part10.js';

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

function uid(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([0])]);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function element(group: number, number: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(number, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}
