/** Reading single values of a DICOM JSON data set, for identities and ordering keys. */
import { type DicomJson, entryOfTag, resolveTag } from '../../dicom/index.js';
import { MedibusError } from '../../errors.js';
import type { KeyPart } from '../key-parts.js';

export const TAGS = {
  sopClassUid: '00080016',
  sopInstanceUid: '00080018',
  modality: '00080060',
  institutionName: '00080080',
  stationName: '00081010',
  pixelData: '7FE00010',
} as const;

/**
 * The first value of a top-level attribute as text; '' when absent or empty. A person name is
 * its Alphabetic group (PS3.18 §F.2.2), a number its JSON spelling.
 */
export function firstValue(dataset: DicomJson, tag: string): string {
  const value = dataset[tag]?.Value?.[0];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && 'Alphabetic' in value) return String((value as { Alphabetic: unknown }).Alphabetic);
  return '';
}

/** The tag one key part names: a PS3.6 keyword (`PatientID`) or a tag (`(0010,0020)`, `00100020`). */
export function keyTag(part: KeyPart): string {
  const tag = resolveTag(part.text);
  if (tag === undefined) {
    throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `"${part.text}" is neither a DICOM keyword (PS3.6, e.g. PatientID) nor a tag such as (0010,0020)`, { location: { column: part.column } });
  }
  if (entryOfTag(tag)?.vr === 'SQ') {
    throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `"${part.text}" is a sequence (SQ); an ordering key reads top-level attributes with one value`, { location: { column: part.column } });
  }
  return tag;
}
