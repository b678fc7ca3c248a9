/**
 * The File Meta Information (PS3.10 §7.1) put in front of a data set received by C-STORE, so
 * the object on disk is a regular DICOM file (readable by src/dicom, dcmdump, a viewer) whose
 * transfer syntax is the one negotiated for its presentation context. A C-STORE carries the
 * data set only: the meta group is ours, built from the command (Affected SOP Class and
 * Instance UIDs) and the association (calling AE title).
 */

/** medibus's Implementation Class UID (PS3.7 D.3.3.2: a UID the implementation owns; 2.25 = UUID-derived, PS3.5 B.2) */
export const IMPLEMENTATION_CLASS_UID = '2.25.215927313994478237366003346779658207501';
export const IMPLEMENTATION_VERSION = 'MEDIBUS_1';

export interface FileMetaFields {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly sourceAeTitle: string;
}

/** 128-byte preamble, `DICM`, then group 0002 in explicit VR little endian (PS3.10 §7.1). */
export function encodeFileMeta(fields: FileMetaFields): Buffer {
  const elements = [
    encodeElement(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    encodeElement(0x0002, 0x0002, 'UI', uid(fields.sopClassUid)),
    encodeElement(0x0002, 0x0003, 'UI', uid(fields.sopInstanceUid)),
    encodeElement(0x0002, 0x0010, 'UI', uid(fields.transferSyntaxUid)),
    encodeElement(0x0002, 0x0012, 'UI', uid(IMPLEMENTATION_CLASS_UID)),
    encodeElement(0x0002, 0x0013, 'SH', text(IMPLEMENTATION_VERSION)),
    ...(fields.sourceAeTitle === '' ? [] : [encodeElement(0x0002, 0x0016, 'AE', text(fields.sourceAeTitle))]),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, encodeElement(0x0002, 0x0000, 'UL', groupLength), body]);
}

/** UI values are padded with NUL to an even length (PS3.5 §6.2) */
export function uid(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([0])]);
}

/** text values are padded with a space */
function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(' ')]);
}

/** VRs with the 4-byte length form in explicit VR (PS3.5 §7.1.2) */
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

/** one explicit VR little endian element; the value is already padded to an even length */
export function encodeElement(group: number, elementNumber: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elementNumber, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}
