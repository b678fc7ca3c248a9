/**
 * Small DICOM Part 10 files written for tests: File Meta (src/sources/dicom/part10.ts) and a
 * data set in explicit VR little endian with the attributes a folder source and the dicom kind
 * read (SOP Class/Instance, Study/Series UIDs, Modality, Patient ID), optionally Pixel Data of
 * a given size. PS3.5 §7.1.2: OB/OW/UN/SQ/UT take the 4-byte length form.
 */
import { createHash } from 'node:crypto';
import { encodeFileMeta } from '../../src/sources/dicom/part10.js';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const LONG = new Set(['OB', 'OW', 'UN', 'SQ', 'UT']);

function element(group: number, number: number, vr: string, value: Buffer): Buffer {
  const padded = value.length % 2 === 0 ? value : Buffer.concat([value, Buffer.from([vr === 'UI' ? 0 : 0x20])]);
  const long = LONG.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(number, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(padded.length, 8);
  else head.writeUInt16LE(padded.length, 6);
  return Buffer.concat([head, padded]);
}

/** a UID under 2.25 (PS3.5 B.2) derived from `seed`, so the same seed gives the same UID */
export function uidOf(seed: string): string {
  return `2.25.${BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 30)}`).toString()}`;
}

export interface SmallDicom {
  readonly patientId: string;
  readonly sopInstanceUid?: string;
  readonly studyUid?: string;
  readonly seriesUid?: string;
  /** bytes of Pixel Data (OW) after the header; 0: none */
  readonly pixelBytes?: number;
}

export function smallDicom(o: SmallDicom): Buffer {
  const sop = o.sopInstanceUid ?? uidOf(`sop:${o.patientId}`);
  const text = (value: string) => Buffer.from(value, 'latin1');
  const dataset = [
    element(0x0008, 0x0016, 'UI', text(CT_IMAGE_STORAGE)),
    element(0x0008, 0x0018, 'UI', text(sop)),
    element(0x0008, 0x0060, 'CS', text('CT')),
    element(0x0010, 0x0020, 'LO', text(o.patientId)),
    element(0x0020, 0x000d, 'UI', text(o.studyUid ?? uidOf(`study:${o.patientId}`))),
    element(0x0020, 0x000e, 'UI', text(o.seriesUid ?? uidOf(`series:${o.patientId}`))),
    ...(o.pixelBytes ? [element(0x7fe0, 0x0010, 'OW', Buffer.alloc(o.pixelBytes))] : []),
  ];
  return Buffer.concat([encodeFileMeta({ sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: sop, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, sourceAeTitle: '' }), ...dataset]);
}
