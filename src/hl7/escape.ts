/**
 * Escape sequences in text values (HL7 v2.5.1 §2.7; `\P\` from v2.7 §2.7.1).
 *
 * Always with the escape character the message *declares* in MSH-2, never an assumed `\`.
 * Sequences are decoded per leaf value (after splitting on delimiters), which is why `\S\`
 * in a component never becomes a component separator.
 */
import { MedibusError } from '../errors.js';
import { decodeText } from './charset.js';
import type { Delimiters } from './delimiters.js';

/**
 * Decodes the escape sequences of one leaf value.
 * - `\F\ \S\ \T\ \R\ \E\` (and `\P\` when a truncation character is declared): the delimiter;
 * - `\Xhh…\`: the bytes, decoded in the message charset (so `\XC3A9\` is "é" in UTF-8);
 * - `\H\ \N\` (highlight on/off): dropped, there is no highlighting in plain text;
 * - formatting commands (§2.7.6, meant for FT but found everywhere): `\.br\` → "\n",
 *   `\.sp n\` → n line breaks, `\.ce\` → "\n" (ends the line), `\.sk n\` → n spaces,
 *   `\.in\ \.ti\ \.fi\ \.nf\` → dropped (indentation and fill modes have no plain-text form);
 * - anything else (`\Zxx\` local, `\Cxxyy\`/`\Mxxyyzz\` ISO 2022 switches, malformed hex,
 *   an escape character with no closing one) is kept verbatim, so no data is lost.
 */
export function unescapeText(text: string, d: Delimiters, charset = 'UTF-8'): string {
  const e = d.escape;
  if (e === '') return text;
  let start = text.indexOf(e);
  if (start < 0) return text;
  let out = '';
  let from = 0;
  while (start >= 0) {
    const end = text.indexOf(e, start + 1);
    if (end < 0) break;
    const decoded = decodeSequence(text.slice(start + 1, end), d, charset);
    out += text.slice(from, start) + (decoded ?? text.slice(start, end + 1));
    from = end + 1;
    start = text.indexOf(e, from);
  }
  return out + text.slice(from);
}

function decodeSequence(seq: string, d: Delimiters, charset: string): string | undefined {
  if (seq.length === 1) {
    switch (seq) {
      case 'F':
        return d.field;
      case 'S':
        return d.component;
      case 'T':
        return d.subcomponent;
      case 'R':
        return d.repetition;
      case 'E':
        return d.escape;
      case 'P':
        return d.truncation === '' ? undefined : d.truncation;
      case 'H':
      case 'N':
        return '';
      default:
        return undefined;
    }
  }
  const first = seq[0];
  if (first === 'X') return decodeHex(seq.slice(1), charset);
  if (first === '.') return decodeFormatting(seq);
  return undefined;
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

function decodeHex(hex: string, charset: string): string | undefined {
  if (!HEX.test(hex)) return undefined;
  try {
    return decodeText(Buffer.from(hex, 'hex'), charset);
  } catch {
    return undefined; // unknown charset label: keep the sequence rather than guess
  }
}

function decodeFormatting(seq: string): string | undefined {
  const command = seq.slice(1, 3);
  const arg = seq.slice(3).trim();
  const n = arg === '' ? 1 : Number(arg);
  if (!Number.isInteger(n)) return undefined;
  switch (command) {
    case 'br':
      return arg === '' ? '\n' : undefined;
    case 'sp':
      return '\n'.repeat(Math.max(1, n));
    case 'ce':
      return '\n';
    case 'sk':
      return ' '.repeat(Math.max(1, n));
    case 'in':
    case 'ti':
    case 'fi':
    case 'nf':
      return '';
    default:
      return undefined;
  }
}

/**
 * Encodes a value for writing (§2.7): every delimiter becomes its escape sequence, and CR/LF
 * become `\X0D\`/`\X0A\` — a raw CR would end the segment, and `\.br\` is only valid in FT.
 */
export function escapeText(value: string, d: Delimiters): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    let code: string | undefined;
    if (c === d.escape) code = 'E';
    else if (c === d.field) code = 'F';
    else if (c === d.component) code = 'S';
    else if (c === d.repetition) code = 'R';
    else if (c === d.subcomponent) code = 'T';
    else if (c === d.truncation) code = 'P';
    else if (c === '\r') code = 'X0D';
    else if (c === '\n') code = 'X0A';
    if (code === undefined) continue;
    if (d.escape === '') {
      throw new MedibusError(
        'MEDIBUS_ERR_HL7_DELIMITERS',
        `cannot write ${JSON.stringify(c)}: the message declares no escape character in MSH-2`,
        { location: { segment: 'MSH', field: 2 } },
      );
    }
    out += value.slice(from, i) + d.escape + code + d.escape;
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}
