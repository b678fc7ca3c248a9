/**
 * Character sets (MSH-18, HL7 table 0211) and the bytes ⇄ text conversions built on them.
 *
 * MSH is plain ASCII in every character set medibus supports (all are ASCII supersets), so
 * MSH-18 can be read from the raw bytes before anything is decoded (HL7 v2.5.1 §2.15.9.18).
 */
import iconv from 'iconv-lite';
import { MedibusError } from '../errors.js';

export interface Charset {
  /** canonical name of the decoder, e.g. `UTF-8`, `ISO-8859-1`, `windows-1258` */
  readonly name: string;
  /** iconv-lite codec name; 'utf8' uses Node's own decoder */
  readonly codec: string;
}

const UTF8: Charset = { name: 'UTF-8', codec: 'utf8' };
const WINDOWS_1258: Charset = { name: 'windows-1258', codec: 'windows-1258' };

/** Table 0211 labels (and the usual spellings seen in the field), upper-cased. */
const KNOWN: Readonly<Record<string, Charset>> = {
  'UNICODE UTF-8': UTF8,
  'UTF-8': UTF8,
  UTF8: UTF8,
  // ASCII is decoded as UTF-8: identical for ASCII bytes, and senders declaring ASCII often
  // send UTF-8 anyway (e.g. "µmol/L"); decoding those as UTF-8 keeps the text readable.
  ASCII: { name: 'UTF-8', codec: 'utf8' },
  'ISO IR6': { name: 'UTF-8', codec: 'utf8' },
  '8859/1': { name: 'ISO-8859-1', codec: 'iso-8859-1' },
  'ISO IR100': { name: 'ISO-8859-1', codec: 'iso-8859-1' },
  '8859/2': { name: 'ISO-8859-2', codec: 'iso-8859-2' },
  '8859/3': { name: 'ISO-8859-3', codec: 'iso-8859-3' },
  '8859/4': { name: 'ISO-8859-4', codec: 'iso-8859-4' },
  '8859/5': { name: 'ISO-8859-5', codec: 'iso-8859-5' },
  '8859/6': { name: 'ISO-8859-6', codec: 'iso-8859-6' },
  '8859/7': { name: 'ISO-8859-7', codec: 'iso-8859-7' },
  '8859/8': { name: 'ISO-8859-8', codec: 'iso-8859-8' },
  '8859/9': { name: 'ISO-8859-9', codec: 'iso-8859-9' },
  '8859/15': { name: 'ISO-8859-15', codec: 'iso-8859-15' },
  'GB 18030-2000': { name: 'GB18030', codec: 'gb18030' },
  'BIG-5': { name: 'Big5', codec: 'big5' },
  'KS X 1001': { name: 'EUC-KR', codec: 'euc-kr' },
  // Vietnamese: not in table 0211, but what Vietnamese HIS send (see decodeText for NFC).
  'WINDOWS-1258': WINDOWS_1258,
  CP1258: WINDOWS_1258,
};

/**
 * Resolves an MSH-18 label (case-insensitive). Labels outside table 0211 are accepted when
 * iconv-lite knows them (e.g. `windows-1252`); anything else is MEDIBUS_ERR_HL7_CHARSET.
 */
export function resolveCharset(label: string): Charset {
  const key = label.trim().toUpperCase();
  const known = KNOWN[key];
  if (known !== undefined) return known;
  // UTF-16/32 (table 0211 "UNICODE UTF-16"…) are not ASCII-compatible: MSH itself could not be read.
  if (key !== '' && !/UTF-?(16|32)|UCS-?2|UNICODE$/.test(key) && iconv.encodingExists(key)) {
    return { name: key, codec: key.toLowerCase() };
  }
  throw new MedibusError(
    'MEDIBUS_ERR_HL7_CHARSET',
    `MSH-18 character set "${label}" is not supported (supported: UNICODE UTF-8, ASCII, 8859/1…8859/15, WINDOWS-1258, and labels iconv-lite knows)`,
    { location: { segment: 'MSH', field: 18 } },
  );
}

/** Resolves a label, or undefined when it is unknown (for callers that have a fallback). */
export function tryResolveCharset(label: string): Charset | undefined {
  try {
    return resolveCharset(label);
  } catch {
    return undefined;
  }
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * MSH-18 (first repetition, trimmed) read from raw bytes, or undefined when absent or empty.
 * Batch files are handled: the first line that starts with MSH is used.
 */
export function charsetFromMsh(buf: Uint8Array): string | undefined {
  let start = hasUtf8Bom(buf) ? 3 : 0;
  while (start < buf.length) {
    let end = start;
    while (end < buf.length && buf[end] !== CR && buf[end] !== LF) end++;
    if (end - start > 3 && buf[start] === 0x4d && buf[start + 1] === 0x53 && buf[start + 2] === 0x48) {
      return msh18(buf, start, end);
    }
    start = end + 1;
  }
  return undefined;
}

/** MSH-18 of the MSH line buf[start, end); MSH-1 is the byte at start + 3. */
function msh18(buf: Uint8Array, start: number, end: number): string | undefined {
  const sep = buf[start + 3];
  let fieldNo = 1;
  let i = start + 3;
  // Invariant: buf[i] is the separator just before field fieldNo + 1 (MSH-1 is itself the
  // separator before MSH-2). Walk until it precedes MSH-18.
  while (fieldNo < 17 && i < end) {
    i++;
    while (i < end && buf[i] !== sep) i++;
    fieldNo++;
  }
  if (fieldNo < 17 || i >= end) return undefined;
  let j = i + 1;
  const repetition = buf[start + 5]; // MSH-2 char 2
  while (j < end && buf[j] !== sep && buf[j] !== repetition) j++;
  const value = Buffer.from(buf.buffer, buf.byteOffset + i + 1, j - i - 1).toString('latin1').trim();
  return value === '' ? undefined : value;
}

export function hasUtf8Bom(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/**
 * Decodes bytes with a charset label (a UTF-8 BOM is dropped first). Windows-1258 writes
 * Vietnamese tone marks as combining characters; the text is normalised to NFC so that
 * "Nguyễn" compares equal to the same name typed anywhere else.
 */
export function decodeText(buf: Uint8Array, label: string): string {
  return decodeWith(buf, resolveCharset(label));
}

export function decodeWith(buf: Uint8Array, charset: Charset): string {
  const bytes = hasUtf8Bom(buf) ? buf.subarray(3) : buf;
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (charset.codec === 'utf8') return view.toString('utf8');
  const text = iconv.decode(view, charset.codec);
  return charset === WINDOWS_1258 ? text.normalize('NFC') : text;
}

/**
 * Encodes text in a charset label, e.g. to write an ACK in the sender's MSH-18 charset.
 * Characters the charset cannot represent become `?` (iconv-lite's substitute).
 */
export function encodeText(text: string, label: string): Buffer {
  const charset = resolveCharset(label);
  if (charset.codec === 'utf8') return Buffer.from(text, 'utf8');
  if (charset === WINDOWS_1258) return encodeWindows1258(text);
  return iconv.encode(text, charset.codec);
}

let cp1258Bytes: Map<string, number> | undefined;

/** The characters Windows-1258 holds in one byte (built once from iconv-lite's own table). */
function cp1258Table(): Map<string, number> {
  if (cp1258Bytes === undefined) {
    cp1258Bytes = new Map();
    const all = Buffer.alloc(256);
    for (let b = 0; b < 256; b++) all[b] = b;
    const chars = iconv.decode(all, 'windows-1258');
    for (let b = 0; b < 256; b++) if (chars[b] !== '\uFFFD') cp1258Bytes.set(chars[b], b);
  }
  return cp1258Bytes;
}

/**
 * Windows-1258 has letters with circumflex, breve and horn (â, ơ, ư…) and five combining tone
 * marks, but few letters with both: "ễ" must be written ê + combining tilde. iconv-lite maps
 * each code point alone (and would write "?"), so each character that has no byte of its own
 * is decomposed and recomposed into the longest base it has plus combining marks.
 */
function encodeWindows1258(text: string): Buffer {
  const table = cp1258Table();
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const single = table.get(ch);
    if (single !== undefined) {
      out.push(single);
      continue;
    }
    out.push(...decomposeFor1258(ch, table));
  }
  return Buffer.from(out);
}

function decomposeFor1258(ch: string, table: Map<string, number>): number[] {
  // NFD orders marks by combining class (ộ = o, dot below, circumflex), so the marks the
  // charset has as bytes (the tone marks) are taken out and the rest recomposed with the base.
  const [base, ...marks] = ch.normalize('NFD');
  const kept = marks.filter((m) => table.has(m));
  const head = table.get((base + marks.filter((m) => !table.has(m)).join('')).normalize('NFC'));
  if (head === undefined) return [0x3f]; // '?', as iconv-lite substitutes
  return [head, ...kept.map((m) => table.get(m) ?? 0x3f)];
}
