/**
 * parseMessage: text or bytes → Hl7Message.
 *
 * The work done here is the minimum that can fail loudly: find the MSH, read the delimiters,
 * cut the segments. Fields are split when first read, components and escapes per value read
 * (see docs/hl7-parser.md for why and for the measurements).
 */
import { MedibusError } from '../errors.js';
import { charsetFromMsh, decodeWith, resolveCharset } from './charset.js';
import { MessageContext } from './context.js';
import { readDelimiters } from './delimiters.js';
import { splitSegmentLines } from './lines.js';
import { Hl7Message } from './message.js';

export interface ParseOptions {
  /**
   * Charset to decode a Buffer with when MSH-18 is empty (the channel's `charset`). MSH-18,
   * when valued, wins: it is what the sender says it wrote. Default UTF-8.
   */
  readonly charset?: string;
}

/** Text decoded from bytes, and the charset used. */
export interface DecodedInput {
  readonly text: string;
  /** canonical charset name, e.g. `UTF-8`; undefined for string input */
  readonly charset: string | undefined;
}

/**
 * Bytes → text using MSH-18 (read from the bytes: MSH is ASCII in every supported charset),
 * else options.charset, else UTF-8. A BOM is dropped. Strings pass through (BOM dropped).
 * An unknown MSH-18 on bytes is MEDIBUS_ERR_HL7_CHARSET: guessing could corrupt names.
 */
export function decodeInput(input: string | Uint8Array, options: ParseOptions = {}): DecodedInput {
  if (typeof input === 'string') {
    return { text: input.charCodeAt(0) === 0xfeff ? input.slice(1) : input, charset: undefined };
  }
  const charset = resolveCharset(charsetFromMsh(input) ?? options.charset ?? 'UTF-8');
  return { text: decodeWith(input, charset), charset: charset.name };
}

/**
 * Parses one message. Throws MedibusError:
 * - MEDIBUS_ERR_HL7_EMPTY for empty or blank input;
 * - MEDIBUS_ERR_HL7_NO_MSH when the first segment is not MSH (a batch, FHS/BHS, is named);
 * - MEDIBUS_ERR_HL7_DELIMITERS when MSH-1/MSH-2 cannot be read;
 * - MEDIBUS_ERR_HL7_CHARSET for bytes whose MSH-18 is unknown.
 * Required fields are not checked here (see checkRequired): a message without MSH-10 must
 * still be parsed to be answered.
 */
export function parseMessage(input: string | Uint8Array, options: ParseOptions = {}): Hl7Message {
  const decoded = decodeInput(input, options);
  const text = skipLeadingBreaks(decoded.text);
  if (text.trim() === '') {
    throw new MedibusError('MEDIBUS_ERR_HL7_EMPTY', 'the message is empty', { location: { segment: 'MSH', segmentIndex: 1 } }); // where the header was due
  }
  const firstLine = text.slice(0, lineEnd(text));
  if (!firstLine.startsWith('MSH')) throw noMsh(firstLine);
  const reading = readDelimiters(firstLine);
  const split = splitSegmentLines(text, reading.delimiters.field);
  const ctx = new MessageContext(reading.delimiters, firstLine, decoded.charset, options.charset);
  const warnings = reading.warning === undefined ? split.warnings : [reading.warning, ...split.warnings];
  return new Hl7Message(split.lines, ctx, warnings);
}

export function skipLeadingBreaks(text: string): string {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 13 || text.charCodeAt(i) === 10)) i++;
  return i === 0 ? text : text.slice(i);
}

export function lineEnd(text: string, from = 0): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) return i;
  }
  return text.length;
}

function noMsh(firstLine: string): MedibusError {
  const name = firstLine.slice(0, 3);
  const why =
    name === 'FHS' || name === 'BHS'
      ? `the input starts with ${name}: it is a batch; split it with splitMessages`
      : `the message starts with ${JSON.stringify(firstLine.slice(0, 20))} instead of an MSH segment`;
  return new MedibusError('MEDIBUS_ERR_HL7_NO_MSH', why, { location: { segment: 'MSH', segmentIndex: 1 } });
}
