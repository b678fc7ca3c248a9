/**
 * HL7 v2 delimiters, read from MSH-1 and MSH-2 (HL7 v2.5.1 §2.5.4, §2.14.9.1–2; v2.7 §2.5.5
 * adds the fifth, truncation character). Nothing is assumed: every message declares its own.
 */
import { MedibusError } from '../errors.js';

export interface Delimiters {
  /** MSH-1, `|` by convention */
  readonly field: string;
  /** MSH-2 char 1, `^` */
  readonly component: string;
  /** MSH-2 char 2, `~` */
  readonly repetition: string;
  /** MSH-2 char 3, `\`; '' when the sender declared none (then nothing is unescaped) */
  readonly escape: string;
  /** MSH-2 char 4, `&`; '' when the sender declared none (then there are no subcomponents) */
  readonly subcomponent: string;
  /** MSH-2 char 5 from v2.7, `#`; '' before v2.7. It marks truncated values; it never splits. */
  readonly truncation: string;
}

export const DEFAULT_DELIMITERS: Delimiters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
  truncation: '',
});

/** Same as DEFAULT_DELIMITERS with the v2.7 truncation character, shared to save allocations. */
const DEFAULT_WITH_TRUNCATION: Delimiters = Object.freeze({ ...DEFAULT_DELIMITERS, truncation: '#' });

/** The MSH-2 value that declares these delimiters (`^~\&`, or `^~\&#` from v2.7). */
export function encodingCharacters(d: Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + d.truncation;
}

/** Names of the segments whose field 1 is the field separator and field 2 the encoding characters. */
export function isHeaderSegmentName(name: string): boolean {
  return name === 'MSH' || name === 'FHS' || name === 'BHS';
}

export interface DelimiterReading {
  readonly delimiters: Delimiters;
  /** set when the declaration was repaired (see readDelimiters) */
  readonly warning?: string;
}

/**
 * Reads the delimiters declared by a header segment line (`MSH|^~\&|…`, also FHS and BHS).
 *
 * Tolerated deviations, so that real senders are not refused:
 * - fewer than four encoding characters: the missing ones are simply not used (no escape
 *   character means values are taken literally; no subcomponent separator means none);
 * - `^~\\&` (five characters, the escape character doubled), as in the LinuxForHealth sample
 *   messages: most likely a source-code string literal "^~\\&" copied without unescaping.
 *   Read literally, the subcomponent separator would equal the escape character, which is
 *   ambiguous; so the duplicate is dropped and the message reads as `^~\&` (with a warning).
 *   A fifth character that differs from the fourth stays the v2.7 truncation character.
 */
export function readDelimiters(line: string): DelimiterReading {
  const segment = line.slice(0, 3);
  if (line.length < 4) {
    throw delimiterError(`${segment}-1 (field separator) is missing: the segment is only "${line}"`, segment, 1);
  }
  const field = line[3];
  checkDelimiterChar(field, segment, 1, 'field separator');
  // Fast path: the overwhelmingly common declaration.
  if (line.startsWith('^~\\&', 4) && field === '|') {
    const after = line[8];
    if (after === '|' || after === undefined) return { delimiters: DEFAULT_DELIMITERS };
    if (after === '#' && (line[9] === '|' || line[9] === undefined)) return { delimiters: DEFAULT_WITH_TRUNCATION };
  }
  const end = line.indexOf(field, 4);
  let chars = end < 0 ? line.slice(4) : line.slice(4, end);
  let warning: string | undefined;
  if (chars.length === 5 && chars[2] === chars[3]) {
    warning = `${segment}-2 "${chars}" repeats the escape character; read as "${chars.slice(0, 3) + chars[4]}"`;
    chars = chars.slice(0, 3) + chars[4];
  }
  if (chars.length === 0) {
    throw delimiterError(`${segment}-2 (encoding characters) is empty; expected e.g. ^~\\&`, segment, 2);
  }
  if (chars.length > 5) {
    throw delimiterError(
      `${segment}-2 "${chars}" has ${chars.length} characters; expected 4 (^~\\&), or 5 from v2.7 (^~\\&#)`,
      segment,
      2,
    );
  }
  const names = ['component separator', 'repetition separator', 'escape character', 'subcomponent separator', 'truncation character'];
  const seen = new Set<string>([field]);
  for (let i = 0; i < chars.length; i++) {
    checkDelimiterChar(chars[i], segment, 2, names[i]);
    if (seen.has(chars[i])) {
      throw delimiterError(
        `${segment}-2 "${chars}": the ${names[i]} "${chars[i]}" is already used as another delimiter`,
        segment,
        2,
      );
    }
    seen.add(chars[i]);
  }
  const delimiters: Delimiters = Object.freeze({
    field,
    component: chars[0],
    repetition: chars[1] ?? '',
    escape: chars[2] ?? '',
    subcomponent: chars[3] ?? '',
    truncation: chars[4] ?? '',
  });
  return warning === undefined ? { delimiters } : { delimiters, warning };
}

/** Letters, digits and white space cannot be delimiters: they occur in ordinary values. */
function checkDelimiterChar(c: string, segment: string, field: number, what: string): void {
  const code = c.charCodeAt(0);
  const alnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  if (alnum || code <= 32 || code === 127) {
    throw delimiterError(
      `${segment}-${field}: ${JSON.stringify(c)} cannot be the ${what} (letters, digits, spaces and control characters are data)`,
      segment,
      field,
    );
  }
}

function delimiterError(message: string, segment: string, field: number): MedibusError {
  return new MedibusError('MEDIBUS_ERR_HL7_DELIMITERS', message, { location: { segment, field } });
}
