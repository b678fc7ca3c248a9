/**
 * Text of the VRs affected by Specific Character Set (0008,0005): SH, LO, UC, ST, LT, UT and
 * PN (PS3.5 §6.1.2.3). Other string VRs use the default repertoire (ASCII).
 *
 * Decoding is dicom-character-set's: it follows ISO 2022 escape sequences (PS3.5 §6.1.2.5;
 * IR 87 Japanese, IR 149 Korean …) and resets the active set at the delimiters the VR defines
 * (`^` and `=` in PN, `\` between values), which plain iconv cannot. Decoding happens before
 * the value is split at `\`, because in a two-byte set 0x5C can be half of a character.
 */
import { convertBytes } from 'dicom-character-set';
import { MedibusError } from '../errors.js';

const CHARSET_VRS = new Set(['SH', 'LO', 'UC', 'ST', 'LT', 'UT', 'PN']);

export function isCharsetVr(vr: string): boolean {
  return CHARSET_VRS.has(vr);
}

export function decodeText(specificCharacterSet: string | undefined, bytes: Uint8Array, vr: string, source: string): string {
  // without (0008,0005) the repertoire is ISO-IR 6; ASCII is also valid Latin-1
  if (!specificCharacterSet || specificCharacterSet.trim() === '') return Buffer.from(bytes).toString('latin1');
  try {
    return convertBytes(specificCharacterSet, bytes, { vr });
  } catch (error) {
    throw new MedibusError('MEDIBUS_ERR_DICOM_CHARSET', `${source}: cannot decode text with Specific Character Set "${specificCharacterSet.trim()}"`, { cause: error });
  }
}
