/**
 * Transfer syntaxes (PS3.5 §10, PS3.6 annex A) and how the reader treats each.
 *
 * The header is all medibus reads, so every syntax whose data set is encoded as Explicit VR
 * Little Endian is readable whatever compresses its pixels (PS3.5 §A.4: encapsulated pixel
 * data, the rest of the data set explicit LE). Syntaxes not listed are refused: their data
 * set encoding is unknown (a private syntax may be anything).
 */
export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;

/** Encapsulated-pixel or otherwise explicit-LE syntaxes of PS3.6 (2024). */
const EXPLICIT_LITTLE_FAMILY = new Set([
  '1.2.840.10008.1.2.1.98', // Encapsulated Uncompressed Explicit VR LE
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', // JPEG
  '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', // JPEG-LS
  '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.92', '1.2.840.10008.1.2.4.93', // JPEG 2000
  '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203', // HTJ2K
  '1.2.840.10008.1.2.4.100', '1.2.840.10008.1.2.4.101', '1.2.840.10008.1.2.4.102', '1.2.840.10008.1.2.4.103',
  '1.2.840.10008.1.2.4.104', '1.2.840.10008.1.2.4.105', '1.2.840.10008.1.2.4.106', '1.2.840.10008.1.2.4.107', '1.2.840.10008.1.2.4.108', // MPEG
  '1.2.840.10008.1.2.5', // RLE Lossless
  '1.2.840.10008.1.2.4.94', // JPIP Referenced
  '1.2.840.10008.1.2.7.1', '1.2.840.10008.1.2.7.2', '1.2.840.10008.1.2.7.3', // SMPTE ST 2110
  '1.2.840.10008.1.2.4.52', '1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.54', '1.2.840.10008.1.2.4.55', '1.2.840.10008.1.2.4.56',
  '1.2.840.10008.1.2.4.58', '1.2.840.10008.1.2.4.59', '1.2.840.10008.1.2.4.60', '1.2.840.10008.1.2.4.61', '1.2.840.10008.1.2.4.62',
  '1.2.840.10008.1.2.4.63', '1.2.840.10008.1.2.4.64', '1.2.840.10008.1.2.4.65', '1.2.840.10008.1.2.4.66', // retired JPEG processes
]);

export type DataSetEncoding = 'implicit-little' | 'explicit-little' | 'explicit-big' | 'deflated';

/** How the data set of a transfer syntax is encoded, or undefined if medibus does not read it. */
export function encodingOf(uid: string): DataSetEncoding | undefined {
  switch (uid) {
    case TRANSFER_SYNTAX.implicitLittle:
      return 'implicit-little';
    case TRANSFER_SYNTAX.explicitLittle:
      return 'explicit-little';
    case TRANSFER_SYNTAX.explicitBig:
      return 'explicit-big';
    case TRANSFER_SYNTAX.deflatedExplicitLittle:
      return 'deflated';
    default:
      return EXPLICIT_LITTLE_FAMILY.has(uid) ? 'explicit-little' : undefined;
  }
}

/**
 * The transfer syntax of a data set without preamble and File Meta (PS3.10 §7.1 makes the meta
 * mandatory, but PACS exports and old files lack it), guessed from its first element: a group
 * written 0x0008 big endian means explicit big endian; two upper-case letters where explicit VR
 * puts the VR mean explicit little endian; otherwise implicit little endian. Undefined when the
 * first bytes are not a plausible element at all (group 0x0002–0x0010, as a data set starts
 * with its lowest tags).
 */
export function sniffRawDataSet(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const groupLE = bytes[0]! | (bytes[1]! << 8);
  const groupBE = (bytes[0]! << 8) | bytes[1]!;
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
  const looksVr = /^[A-Z]{2}$/.test(vr);
  if (groupLE >= 0x0002 && groupLE <= 0x0010 && groupLE % 2 === 0) {
    return looksVr ? TRANSFER_SYNTAX.explicitLittle : TRANSFER_SYNTAX.implicitLittle;
  }
  if (groupBE >= 0x0002 && groupBE <= 0x0010 && groupBE % 2 === 0 && looksVr) return TRANSFER_SYNTAX.explicitBig;
  return undefined;
}
