/**
 * A dicom-parser data set → DICOM JSON (PS3.18 Annex F, "DICOM JSON Model").
 *
 * Choices, where the Annex leaves room:
 * - Keys are 8 upper-case hex digits; group lengths (gggg,0000) are left out (PS3.5 §7.2:
 *   retired, and meaningless once re-encoded). The file meta group 0002 goes in its own object.
 * - DS and IS values are JSON numbers (§F.2.3); a value that is not a number is refused
 *   (MEDIBUS_ERR_DICOM_BAD_VR) rather than guessed at. An empty value among several is null.
 * - PN values are `{Alphabetic, Ideographic, Phonetic}` with empty groups left out (§F.2.2).
 * - Binary VRs (OB, OD, OF, OL, OV, OW, UN) up to `inlineBinaryLimit` bytes go as InlineBinary
 *   (base64 of the bytes as stored); larger ones as a BulkDataURI `<base>?offset=N&length=M`
 *   into the object, so no large blob lands on the broker. Pixel Data never has a value here.
 */
import type { DataSet, Element } from 'dicom-parser';
import { MedibusError } from '../errors.js';
import { decodeText, isCharsetVr } from './charset.js';
import { entryOfTag } from './dictionary.js';

export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}
export type DicomJson = Record<string, DicomJsonAttribute>;

export interface JsonOptions {
  readonly inlineBinaryLimit: number;
  readonly bulkDataBase: string;
  readonly littleEndian: boolean;
  readonly source: string;
}

/** Every VR of PS3.5 §6.2 table 6.2-1. */
const VRS = new Set(['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV']);
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** VRs whose value is one string that may contain backslashes (PS3.5 §6.4, VM of LT/ST/UT/UR is 1). */
const SINGLE_VALUED = new Set(['LT', 'ST', 'UT', 'UR']);
/** Leading spaces are significant in these (PS3.5 §6.2); only trailing padding goes. */
const KEEP_LEADING = new Set(['LT', 'ST', 'UT', 'UC', 'UR']);
const NUMERIC: Readonly<Record<string, readonly [number, 'uint16' | 'int16' | 'uint32' | 'int32' | 'float' | 'double']>> = {
  US: [2, 'uint16'], SS: [2, 'int16'], UL: [4, 'uint32'], SL: [4, 'int32'], FL: [4, 'float'], FD: [8, 'double'],
};
const IS_RE = /^[+-]?\d+$/;
const DS_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function tagKey(element: Element): string {
  return element.tag.slice(1).toUpperCase();
}

/** The VR of an element: on the wire (explicit VR), else from the dictionary (PS3.5 §7.1.3). */
export function vrOf(element: Element, source: string): string {
  const tag = tagKey(element);
  if (element.vr !== undefined) {
    if (!VRS.has(element.vr)) {
      throw new MedibusError('MEDIBUS_ERR_DICOM_BAD_VR', `${source}: element (${tag.slice(0, 4)},${tag.slice(4)}) has VR "${printable(element.vr)}", which PS3.5 §6.2 does not define`);
    }
    // PS3.5 §6.2.2: UN of undefined length holds an implicit VR sequence
    return element.vr === 'UN' && element.items ? 'SQ' : element.vr;
  }
  if (element.items) return 'SQ';
  const known = entryOfTag(tag)?.vr;
  if (known) return known;
  // private creator elements (gggg,0010-00FF) are LO, PS3.5 §7.8.1
  const elementNo = Number.parseInt(tag.slice(4), 16);
  if (Number.parseInt(tag.slice(3, 4), 16) % 2 === 1 && elementNo >= 0x10 && elementNo <= 0xff) return 'LO';
  return 'UN';
}

function printable(text: string): string {
  return Array.from(text, (c) => (c >= ' ' && c <= '~' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
}

export function toDicomJson(dataSet: DataSet, charset: string | undefined, options: JsonOptions, skip: (tag: string) => boolean): DicomJson {
  const out: DicomJson = {};
  // an item may declare its own character set (PS3.5 §7.5.1 via PS3.3 C.12.1.1.2)
  const own = dataSet.elements.x00080005;
  const itemCharset = own ? rawString(dataSet, own) : charset;
  for (const key of Object.keys(dataSet.elements).sort()) {
    const element = dataSet.elements[key];
    if (!element) continue;
    const tag = tagKey(element);
    // item and sequence delimiters (FFFE,xxxx) are structure, not attributes (PS3.5 §7.5)
    if (tag.endsWith('0000') || tag.startsWith('FFFE') || skip(tag)) continue;
    out[tag] = attribute(dataSet, element, tag, itemCharset, options);
  }
  return out;
}

function attribute(dataSet: DataSet, element: Element, tag: string, charset: string | undefined, options: JsonOptions): DicomJsonAttribute {
  const vr = vrOf(element, options.source);
  if (vr === 'SQ') {
    const items = (element.items ?? []).map((item) => (item.dataSet ? toDicomJson(item.dataSet, charset, options, () => false) : {}));
    return items.length ? { vr, Value: items } : { vr };
  }
  if (element.length === 0) return { vr };
  // dicom-parser checks that the top-level elements fit (read.ts checkComplete) but not the
  // elements of a sequence item, which share the object's bytes: a value read past their end
  // would throw a bare string from dicom-parser, or a RangeError from a DataView
  if (element.length !== 0xffffffff && element.dataOffset + element.length > dataSet.byteArray.length) {
    throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${options.source}: element (${tag.slice(0, 4)},${tag.slice(4)}) declares ${element.length} bytes but the object ends ${Math.max(0, dataSet.byteArray.length - element.dataOffset)} bytes into it`);
  }
  if (BINARY.has(vr) || element.length === 0xffffffff) return binary(dataSet, element, vr, options);
  const numeric = NUMERIC[vr];
  if (numeric) {
    const [size, read] = numeric;
    const values: number[] = [];
    for (let i = 0; i < Math.floor(element.length / size); i++) values.push(dataSet[read](`x${tag.toLowerCase()}`, i) ?? 0);
    return { vr, Value: values };
  }
  if (vr === 'UV' || vr === 'SV') return { vr, Value: bigValues(dataSet, element, vr, options.littleEndian) };
  if (vr === 'AT') {
    const values: string[] = [];
    for (let p = element.dataOffset; p + 4 <= element.dataOffset + element.length; p += 4) {
      const group = dataSet.byteArrayParser.readUint16(dataSet.byteArray, p);
      const el = dataSet.byteArrayParser.readUint16(dataSet.byteArray, p + 2);
      values.push(`${hex4(group)}${hex4(el)}`);
    }
    return { vr, Value: values };
  }
  return textAttribute(dataSet, element, tag, vr, charset, options.source);
}

function textAttribute(dataSet: DataSet, element: Element, tag: string, vr: string, charset: string | undefined, source: string): DicomJsonAttribute {
  const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  const text = isCharsetVr(vr) ? decodeText(charset, bytes, vr, source) : Buffer.from(bytes).toString('latin1');
  const parts = SINGLE_VALUED.has(vr) ? [text] : text.split('\\');
  const values = parts.map((part) => {
    const trimmed = KEEP_LEADING.has(vr) ? part.replace(/[ \0]+$/, '') : part.replace(/^[ \0]+|[ \0]+$/g, '');
    if (trimmed === '') return null;
    switch (vr) {
      case 'IS':
        if (!IS_RE.test(trimmed)) throw badValue(source, tag, vr, trimmed);
        return Number.parseInt(trimmed, 10);
      case 'DS':
        if (!DS_RE.test(trimmed)) throw badValue(source, tag, vr, trimmed);
        // "-0" is written by some modalities; JSON has no negative zero
        return Number.parseFloat(trimmed) + 0;
      case 'PN':
        return personName(trimmed);
      default:
        return trimmed;
    }
  });
  if (values.every((v) => v === null)) return { vr };
  return { vr, Value: values };
}

function personName(value: string): Record<string, string> {
  const [alphabetic, ideographic, phonetic] = value.split('=');
  const name: Record<string, string> = {};
  if (alphabetic) name.Alphabetic = alphabetic;
  if (ideographic) name.Ideographic = ideographic;
  if (phonetic) name.Phonetic = phonetic;
  return name;
}

function badValue(source: string, tag: string, vr: string, value: string): MedibusError {
  const shown = value.length > 32 ? `${value.slice(0, 32)}…` : value;
  return new MedibusError('MEDIBUS_ERR_DICOM_BAD_VR', `${source}: element (${tag.slice(0, 4)},${tag.slice(4)}) is ${vr} but holds "${printable(shown)}", which is not a${vr === 'IS' ? 'n integer' : ' decimal'} string (PS3.5 §6.2)`);
}

function binary(dataSet: DataSet, element: Element, vr: string, options: JsonOptions): DicomJsonAttribute {
  if (element.length !== 0xffffffff && element.length <= options.inlineBinaryLimit) {
    const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
    return { vr, InlineBinary: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
  const length = element.length === 0xffffffff ? '' : `&length=${element.length}`;
  return { vr, BulkDataURI: `${options.bulkDataBase}?offset=${element.dataOffset}${length}` };
}

function bigValues(dataSet: DataSet, element: Element, vr: string, littleEndian: boolean): (number | string)[] {
  const bytes = dataSet.byteArray;
  const view = new DataView(bytes.buffer, bytes.byteOffset + element.dataOffset, element.length);
  const values: (number | string)[] = [];
  for (let p = 0; p + 8 <= element.length; p += 8) {
    const v = vr === 'UV' ? view.getBigUint64(p, littleEndian) : view.getBigInt64(p, littleEndian);
    // PS3.18 §F.2.3.1: beyond ±2^53 a JSON number loses digits, so those go as strings
    values.push(v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString());
  }
  return values;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** The value of a default-repertoire string element, untrimmed (e.g. Specific Character Set). */
export function rawString(dataSet: DataSet, element: Element): string {
  return Buffer.from(dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length)).toString('latin1');
}
