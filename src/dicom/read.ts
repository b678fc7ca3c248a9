/**
 * Reads the header of a DICOM object (PS3.10 file, or a bare data set) into DICOM JSON.
 *
 * Pure: bytes in, metadata out. Parsing stops at Pixel Data (7FE0,0010), whose value is never
 * decoded or copied; only its position is reported. Every refusal is a MedibusError naming
 * the source and the reason (not DICOM, truncated, bad VR, unsupported transfer syntax,
 * missing SOP UIDs, undecodable character set, too large).
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { MedibusError, errorMessage, isMedibusError } from '../errors.js';
import { entryOfTag } from './dictionary.js';
import { type DicomJson, rawString, toDicomJson } from './json.js';
import { encodingOf, sniffRawDataSet } from './transfer-syntax.js';

export interface DicomReadOptions {
  /** named in error messages: a file name, `C-STORE from <AE>` … */
  readonly source?: string;
  /** binary values up to this many bytes are inlined as base64; default 1024 */
  readonly inlineBinaryLimit?: number;
  /** base of the BulkDataURI of larger binary values; default `bulk` */
  readonly bulkDataBase?: string;
  /** size of the whole object when `bytes` is only its beginning (streamed to disk) */
  readonly totalSize?: number;
  /** reads bytes of the object beyond `bytes` (to check encapsulated pixel data is complete) */
  readonly readAt?: (position: number, length: number) => Uint8Array;
  /** cap on the inflated size of a deflated data set (a zip bomb guard); default 256 MiB */
  readonly maxInflatedBytes?: number;
}

export interface PixelDataRef {
  /** byte offset of the value in the object (for deflated objects: in the inflated data set) */
  readonly offset: number;
  /** undefined for encapsulated (compressed) pixel data, whose length is undefined */
  readonly length: number | undefined;
  readonly encapsulated: boolean;
}

export interface DicomObject {
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** (0008,0005) as written, e.g. `\ISO 2022 IR 87`; undefined = default repertoire */
  readonly specificCharacterSet: string | undefined;
  /** false for a bare data set (no preamble, no DICM, no group 0002) */
  readonly hasFileMeta: boolean;
  /** the File Meta group (0002), DICOM JSON; empty without File Meta */
  readonly meta: DicomJson;
  /** the data set without Pixel Data, DICOM JSON (PS3.18 Annex F) */
  readonly dataset: DicomJson;
  readonly pixelData: PixelDataRef | undefined;
  /** bytes before the Pixel Data element (or the whole data set), i.e. what was parsed */
  readonly headerBytes: number;
  /** dicom-parser's warnings (odd lengths, …), for the log; never patient data */
  readonly warnings: readonly string[];
}

const PIXEL_DATA = '7FE00010';
const UNDEFINED_LENGTH = 0xffffffff;

/**
 * Reads one DICOM object. A refusal is a MedibusError whose message says where in the object
 * (element tag, byte) and whose location names the source (the file, or the C-STORE peer).
 */
export function readDicom(bytes: Uint8Array, options: DicomReadOptions = {}): DicomObject {
  const source = options.source ?? 'DICOM object';
  try {
    return readObject(bytes, options, source);
  } catch (error) {
    if (!isMedibusError(error) || error.location !== undefined) throw error;
    throw new MedibusError(error.code, error.message, { location: { file: source }, cause: error.cause });
  }
}

function readObject(bytes: Uint8Array, options: DicomReadOptions, source: string): DicomObject {
  const part10 = bytes.length >= 132 && Buffer.from(bytes.subarray(128, 132)).toString('latin1') === 'DICM';
  let transferSyntaxUid: string | undefined;
  let metaSet: DataSet | undefined;
  if (part10) {
    metaSet = parseOrRefuse(() => dicomParser.readPart10Header(bytes), source);
    const ts = metaSet.elements.x00020010;
    if (!ts) throw new MedibusError('MEDIBUS_ERR_DICOM_TRANSFER_SYNTAX', `${source}: the File Meta has no Transfer Syntax UID (0002,0010), so the data set cannot be decoded (PS3.10 §7.1)`);
    transferSyntaxUid = rawString(metaSet, ts).replace(/[\0 ]+$/, '');
  } else {
    transferSyntaxUid = sniffRawDataSet(bytes);
    if (!transferSyntaxUid) {
      const head = Buffer.from(bytes.subarray(0, 8)).toString('hex');
      // say so when the data set merely starts one byte late (pydicom's no_meta.dcm): a
      // reader that skipped bytes to find an element would be guessing, so it is refused
      const late = sniffRawDataSet(bytes.subarray(1)) ? '; an element starts at byte 1, after a stray byte' : '';
      throw new MedibusError('MEDIBUS_ERR_DICOM_NOT_DICOM', `${source}: no "DICM" at byte 128 and no data element at byte 0 (first bytes ${head || 'none'}${late}), so this is not a DICOM file or data set (PS3.10 §7.1)`);
    }
  }
  const encoding = encodingOf(transferSyntaxUid);
  if (!encoding) {
    throw new MedibusError('MEDIBUS_ERR_DICOM_TRANSFER_SYNTAX', `${source}: transfer syntax ${transferSyntaxUid} is not one medibus reads (implicit/explicit VR little endian, explicit big endian, deflated, or a standard encapsulated syntax)`);
  }
  const maxInflated = options.maxInflatedBytes ?? 256 * 1024 * 1024;
  const dataSet = parseOrRefuse(
    () =>
      dicomParser.parseDicom(bytes, {
        untilTag: `x${PIXEL_DATA.toLowerCase()}`,
        ...(part10 ? {} : { TransferSyntaxUID: transferSyntaxUid }),
        vrCallback: (tag: string) => entryOfTag(tag.slice(1))?.vr,
        inflater: (array: Uint8Array, position: number) => inflate(array, position, maxInflated, source),
      }),
    source,
  );
  checkComplete(dataSet, source);
  const pixel = dataSet.elements[`x${PIXEL_DATA.toLowerCase()}`];
  const pixelData = pixel ? pixelRef(dataSet, pixel, encoding === 'deflated' ? dataSet.byteArray.length : (options.totalSize ?? bytes.length), options, source) : undefined;

  const charsetElement = dataSet.elements.x00080005;
  const specificCharacterSet = charsetElement ? rawString(dataSet, charsetElement) : undefined;
  const jsonOptions = {
    inlineBinaryLimit: options.inlineBinaryLimit ?? 1024,
    bulkDataBase: options.bulkDataBase ?? 'bulk',
    littleEndian: dataSet.byteArrayParser === dicomParser.littleEndianByteArrayParser,
    source,
  };
  // the meta group is read from its own data set: for a deflated object dicom-parser's
  // merged elements point into the original bytes, not the inflated ones
  // the values are read here, through dicom-parser's accessors: whatever they throw (bare
  // strings, RangeErrors) becomes a refusal too, not only what parsing threw
  const meta = metaSet ? parseOrRefuse(() => toDicomJson(metaSet, undefined, { ...jsonOptions, littleEndian: true }, (tag) => !tag.startsWith('0002')), source) : {};
  const dataset = parseOrRefuse(() => toDicomJson(dataSet, specificCharacterSet, jsonOptions, (tag) => tag.startsWith('0002') || tag === PIXEL_DATA), source);
  const sopClassUid = firstString(dataset, '00080016');
  const sopInstanceUid = firstString(dataset, '00080018');
  if (!sopClassUid || !sopInstanceUid) {
    const missing = [sopClassUid ? undefined : 'SOP Class UID (0008,0016)', sopInstanceUid ? undefined : 'SOP Instance UID (0008,0018)'].filter(Boolean).join(' and ');
    throw new MedibusError('MEDIBUS_ERR_DICOM_MISSING_UID', `${source}: the data set has no ${missing}; a stored object needs both (PS3.4 §B.4.1)`);
  }
  return {
    transferSyntaxUid,
    sopClassUid,
    sopInstanceUid,
    specificCharacterSet,
    hasFileMeta: part10,
    meta,
    dataset,
    pixelData,
    // the Pixel Data element header is 12 bytes in explicit VR (OB/OW), 8 in implicit (PS3.5 §7.1.2)
    headerBytes: pixel ? pixel.dataOffset - (encoding === 'implicit-little' ? 8 : 12) : dataSet.byteArray.length,
    warnings: dataSet.warnings,
  };
}

function firstString(json: DicomJson, tag: string): string | undefined {
  const value = json[tag]?.Value?.[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** dicom-parser throws strings, Errors, or `{exception, dataSet}`; turn each into a refusal. */
function parseOrRefuse<T>(parse: () => T, source: string): T {
  try {
    return parse();
  } catch (thrown) {
    if (isMedibusError(thrown)) throw thrown;
    const inner: unknown = typeof thrown === 'object' && thrown !== null && 'exception' in thrown ? thrown.exception : thrown;
    if (isMedibusError(inner)) throw inner;
    const message = typeof inner === 'string' ? inner : errorMessage(inner);
    if (/past end of buffer|outside the bounds|cannot seek|greater than or equal to 'byteArray' length|unexpected end of file/i.test(message)) {
      throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${source}: the object ends inside an element (${message.replace(/^dicomParser\./, '')})`, { cause: inner });
    }
    throw new MedibusError('MEDIBUS_ERR_DICOM_NOT_DICOM', `${source}: the data cannot be parsed as DICOM (${message.replace(/^dicomParser\./, '')})`, { cause: inner });
  }
}

/**
 * dicom-parser's own inflater calls Buffer#copy on a Uint8Array and fails on Node (research
 * §1.4); this one inflates the deflated data set (PS3.5 §A.5) after the File Meta, with a cap.
 */
function inflate(array: Uint8Array, position: number, max: number, source: string): Uint8Array {
  // dicom-parser parses what the inflater returns from byte 0, so return the data set alone
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(array.subarray(position), { maxOutputLength: max });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new MedibusError('MEDIBUS_ERR_DICOM_TOO_LARGE', `${source}: the deflated data set inflates to more than ${max} bytes`, { cause: error });
    }
    throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${source}: the deflated data set cannot be inflated (${errorMessage(error)})`, { cause: error });
  }
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}

/** An element whose value runs past the end of the bytes means the object was cut off. */
function checkComplete(dataSet: DataSet, source: string): void {
  const size = dataSet.byteArray.length;
  for (const element of Object.values(dataSet.elements)) {
    if (element.tag === `x${PIXEL_DATA.toLowerCase()}` || element.length === UNDEFINED_LENGTH) continue;
    if (element.dataOffset + element.length > size) {
      const tag = element.tag.slice(1).toUpperCase();
      throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${source}: element (${tag.slice(0, 4)},${tag.slice(4)}) declares ${element.length} bytes but the object ends ${size - element.dataOffset} bytes into it`);
    }
  }
}

function pixelRef(dataSet: DataSet, pixel: Element, total: number, options: DicomReadOptions, source: string): PixelDataRef {
  if (pixel.length !== UNDEFINED_LENGTH) {
    if (pixel.dataOffset + pixel.length > total) {
      throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${source}: Pixel Data (7FE0,0010) declares ${pixel.length} bytes but the object ends ${Math.max(0, total - pixel.dataOffset)} bytes into it`);
    }
    return { offset: pixel.dataOffset, length: pixel.length, encapsulated: false };
  }
  const readAt = options.readAt ?? ((position: number, length: number) => dataSet.byteArray.subarray(position, position + length));
  walkFragments(pixel.dataOffset, total, readAt, source);
  return { offset: pixel.dataOffset, length: undefined, encapsulated: true };
}

/**
 * Encapsulated pixel data is a run of items (FFFE,E000) ended by a Sequence Delimitation Item
 * (FFFE,E0DD), PS3.5 §A.4. Hopping from item header to item header (8 bytes each) proves the
 * object is whole without reading a single fragment.
 */
function walkFragments(start: number, total: number, readAt: (position: number, length: number) => Uint8Array, source: string): void {
  let position = start;
  while (position + 8 <= total) {
    const head = readAt(position, 8);
    const view = new DataView(head.buffer, head.byteOffset, 8);
    const group = view.getUint16(0, true);
    const element = view.getUint16(2, true);
    const length = view.getUint32(4, true);
    if (group === 0xfffe && element === 0xe0dd) return;
    if (group !== 0xfffe || element !== 0xe000) {
      throw new MedibusError('MEDIBUS_ERR_DICOM_NOT_DICOM', `${source}: encapsulated Pixel Data has a non-item element at byte ${position} (PS3.5 §A.4)`);
    }
    position += 8 + length;
  }
  throw new MedibusError('MEDIBUS_ERR_DICOM_TRUNCATED', `${source}: the object ends inside the encapsulated Pixel Data (no Sequence Delimitation Item before byte ${total})`);
}

/**
 * True when `bytes` (the beginning of an object) parse up to a top-level Pixel Data element,
 * i.e. hold the whole header. Used while streaming; false on any failure, which the final
 * read over all the kept bytes reports properly.
 */
export function holdsWholeHeader(bytes: Uint8Array): boolean {
  try {
    const part10 = bytes.length >= 132 && Buffer.from(bytes.subarray(128, 132)).toString('latin1') === 'DICM';
    const raw = part10 ? undefined : sniffRawDataSet(bytes);
    if (!part10 && !raw) return false;
    const dataSet = dicomParser.parseDicom(bytes, {
      untilTag: `x${PIXEL_DATA.toLowerCase()}`,
      ...(raw ? { TransferSyntaxUID: raw } : {}),
      vrCallback: (tag: string) => entryOfTag(tag.slice(1))?.vr,
      inflater: () => {
        throw new Error('a deflated data set is read whole');
      },
    });
    return dataSet.elements[`x${PIXEL_DATA.toLowerCase()}`] !== undefined;
  } catch {
    return false;
  }
}
