/**
 * Batches and files of messages (HL7 v2.5.1 §2.10.3):
 *
 *   [FHS] { [BHS] { MSH … } [BTS] } [FTS]
 *
 * Every envelope segment is optional in that grammar, so files without trailers, a BHS without
 * FHS, several batches in one file, and plain files of MSH messages one after another are all
 * accepted. Count mismatches (BTS-1 message count, FTS-1 batch count) are warnings: the
 * messages themselves are intact, and refusing the whole file would lose them.
 */
import { MedibusError } from '../errors.js';
import { MessageContext } from './context.js';
import { readDelimiters } from './delimiters.js';
import { splitSegmentLines } from './lines.js';
import { Hl7Message } from './message.js';
import { decodeInput, lineEnd, skipLeadingBreaks, type ParseOptions } from './parse.js';
import { Segment } from './segment.js';

interface BatchParts<M, S> {
  /** FHS, when the file has one */
  readonly fileHeader: S | undefined;
  /** FTS, when the file has one */
  readonly fileTrailer: S | undefined;
  /** each BHS … BTS; messages outside any BHS form a batch without header */
  readonly batches: readonly {
    readonly header: S | undefined;
    readonly trailer: S | undefined;
    readonly messages: readonly M[];
  }[];
  /** every message of every batch, in file order */
  readonly messages: readonly M[];
  readonly warnings: readonly string[];
}

/** splitBatch: messages as text (segments CR-terminated), envelope segments as their lines. */
export type Hl7BatchText = BatchParts<string, string>;
/** splitMessages: parsed messages and envelope segments. */
export type Hl7Batch = BatchParts<Hl7Message, Segment>;

/** Splits batch or multi-message text without parsing the messages (cheap, for intake). */
export function splitBatch(text: string): Hl7BatchText {
  return walk(text, (lines) => lines.join('\r') + '\r', (line) => line);
}

/**
 * Decodes (Buffer: charset of the first MSH, see parseMessage), splits and parses every
 * message. Throws MEDIBUS_ERR_HL7_EMPTY, MEDIBUS_ERR_HL7_NO_MSH when the input starts with
 * neither FHS, BHS nor MSH, and MEDIBUS_ERR_HL7_BATCH for segments outside any message.
 */
export function splitMessages(input: string | Uint8Array, options: ParseOptions = {}): Hl7Batch {
  const decoded = decodeInput(input, options);
  let envelope: MessageContext | undefined;
  return walk(
    decoded.text,
    (lines) => {
      const reading = readDelimiters(lines[0]);
      const ctx = new MessageContext(reading.delimiters, lines[0], decoded.charset, options.charset);
      return new Hl7Message(lines, ctx, reading.warning === undefined ? [] : [reading.warning]);
    },
    (line, index) => {
      // FHS/BHS declare delimiters like MSH; BTS/FTS use those of the envelope around them.
      if (line.startsWith('FHS') || line.startsWith('BHS') || envelope === undefined) {
        envelope = new MessageContext(readDelimiters(line).delimiters, line, decoded.charset, options.charset);
      }
      return new Segment(line.slice(0, 3), line, envelope, index);
    },
  );
}

function walk<M, S>(
  input: string,
  toMessage: (lines: string[]) => M,
  toSegment: (line: string, index: number) => S,
): BatchParts<M, S> {
  const text = skipLeadingBreaks(input);
  if (text.trim() === '') throw new MedibusError('MEDIBUS_ERR_HL7_EMPTY', 'the batch is empty', { location: { segment: 'MSH', segmentIndex: 1 } }); // where the header was due
  const first = text.slice(0, lineEnd(text));
  const firstName = first.slice(0, 3);
  if (firstName !== 'FHS' && firstName !== 'BHS' && firstName !== 'MSH') {
    throw new MedibusError(
      'MEDIBUS_ERR_HL7_NO_MSH',
      `the input starts with ${JSON.stringify(first.slice(0, 20))}, not with FHS, BHS or MSH`,
      { location: { segment: 'MSH', segmentIndex: 1 } },
    );
  }
  const split = splitSegmentLines(text, readDelimiters(first).delimiters.field);
  const warnings = [...split.warnings];
  const lines = split.lines;

  let fileHeader: S | undefined;
  let fileTrailer: S | undefined;
  type Batch = { header: S | undefined; trailer: S | undefined; messages: M[]; declared: string | undefined };
  const batches: Batch[] = [];
  const all: M[] = [];
  let batch: Batch | undefined;
  let message: string[] | undefined;

  const closeMessage = (): void => {
    if (message === undefined) return;
    const m = toMessage(message);
    (batch ??= openBatch(undefined)).messages.push(m);
    all.push(m);
    message = undefined;
  };
  const openBatch = (header: S | undefined): Batch => {
    const b: Batch = { header, trailer: undefined, messages: [], declared: undefined };
    batches.push(b);
    return b;
  };
  const outside = (what: string, i: number): never => {
    throw new MedibusError('MEDIBUS_ERR_HL7_BATCH', `${what} (segment ${i + 1} of the file)`, {
      location: { segment: lines[i].slice(0, 3), segmentIndex: i + 1 },
    });
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const name = line.slice(0, 3);
    if (fileTrailer !== undefined) outside(`${name} after the FTS file trailer`, i);
    switch (name) {
      case 'FHS':
        if (i !== 0) outside('FHS must be the first segment of a file', i);
        fileHeader = toSegment(line, i);
        break;
      case 'BHS':
        closeMessage();
        batch = openBatch(toSegment(line, i));
        break;
      case 'MSH':
        closeMessage();
        message = [line];
        break;
      case 'BTS': {
        closeMessage();
        const b = batch ?? openBatch(undefined);
        b.trailer = toSegment(line, i);
        b.declared = field1(line);
        batch = undefined;
        break;
      }
      case 'FTS':
        closeMessage();
        fileTrailer = toSegment(line, i);
        checkCount(field1(line), batches.length, 'FTS-1 batch count', 'batch(es)', warnings);
        break;
      default:
        if (message === undefined) outside(`${name} is outside any message (no MSH before it)`, i);
        else message.push(line);
    }
  }
  closeMessage();
  batches.forEach((b, n) => {
    checkCount(b.declared, b.messages.length, `BTS-1 message count of batch ${n + 1}`, 'message(s)', warnings);
  });
  return {
    fileHeader,
    fileTrailer,
    batches: batches.map(({ header, trailer, messages }) => ({ header, trailer, messages })),
    messages: all,
    warnings,
  };
}

/** Field 1 of a trailer segment (BTS-1, FTS-1), raw; the separator is the one after the name. */
function field1(line: string): string | undefined {
  if (line.length < 4) return undefined;
  const sep = line[3];
  const end = line.indexOf(sep, 4);
  const v = (end < 0 ? line.slice(4) : line.slice(4, end)).trim();
  return v === '' ? undefined : v;
}

function checkCount(declared: string | undefined, actual: number, what: string, unit: string, warnings: string[]): void {
  if (declared === undefined) return;
  if (Number(declared) !== actual) {
    warnings.push(`${what} says ${declared} but the file holds ${actual} ${unit}`);
  }
}
