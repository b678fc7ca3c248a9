/**
 * The ordering-key expressions of kinds whose paths are names (DICOM keywords or tags, CSV
 * columns): parts joined by `+`, e.g. `PatientID + IssuerOfPatientID`. Each part keeps its
 * 1-based column in the expression, so `medibus validate` points at the part it cannot read.
 */
import { MedibusError } from '../errors.js';

export interface KeyPart {
  readonly text: string;
  /** 1-based column of the part's first character in the expression */
  readonly column: number;
}

export function splitKey(expression: string): KeyPart[] {
  const parts: KeyPart[] = [];
  let start = 0;
  for (const piece of expression.split('+')) {
    const lead = piece.length - piece.trimStart().length;
    const text = piece.trim();
    if (text === '') {
      throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `empty part in key "${expression}" at position ${start + 1}: write names joined by +, e.g. PatientID + IssuerOfPatientID`, {
        location: { column: start + 1 },
      });
    }
    parts.push({ text, column: start + lead + 1 });
    start += piece.length + 1;
  }
  return parts;
}

/** Several values as one key: '' when every part is empty (no key: nothing to keep in order with). */
export function joinKey(values: readonly string[]): string {
  return values.every((v) => v === '') ? '' : values.join('^');
}
