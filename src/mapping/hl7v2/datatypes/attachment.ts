/**
 * ED / RP → Attachment (IG ED[Attachment], RP[Attachment]; HL7 v2.5.1 §2.A.24 ED, §2.A.65 RP).
 *
 * contentType: the IG puts ED.3 (RP.3/RP.4) there as sent, but FHIR wants a MIME type and v2
 * sends table 0191/0291 codes (`AP^PDF`, `IM^JPEG`, `TEXT^HTML`) or a MIME type split in two
 * (`application^pdf`). So: a subtype that is already a MIME type is kept; a type that is a MIME
 * top-level type gives `type/subtype` (lower case); the table 0291 subtypes below give their
 * MIME type; else none. FHIR requires a contentType with data (att-1), so data without one
 * gets `application/octet-stream`. The IG's "alternate-codes" extension for ED.2 (when ED.3 is
 * empty) is not produced: its URL (https://…) is no published extension.
 *
 * data: ED.4 `Base64` → ED.5 (whitespace removed, checked); `Hex` → decoded and re-encoded;
 * `A` (ASCII, the default) → ED.5's text in UTF-8, base64-encoded.
 */
import type { Attachment } from '@medplum/fhirtypes';
import type { Converter, ConvertContext } from './types.js';

const TOP_LEVEL: ReadonlySet<string> = new Set(['application', 'audio', 'font', 'image', 'message', 'model', 'multipart', 'text', 'video']);

/** HL7 table 0291 subtypes (and common variants) → MIME type. */
const SUBTYPES: ReadonlyMap<string, string> = new Map([
  ['PDF', 'application/pdf'],
  ['RTF', 'application/rtf'],
  ['XML', 'application/xml'],
  ['HTML', 'text/html'],
  ['PLAIN', 'text/plain'],
  ['JPEG', 'image/jpeg'],
  ['JPG', 'image/jpeg'],
  ['GIF', 'image/gif'],
  ['PNG', 'image/png'],
  ['TIFF', 'image/tiff'],
  ['BMP', 'image/bmp'],
  ['PICT', 'image/x-pict'],
  ['DICOM', 'application/dicom'],
  ['POSTSCRIPT', 'application/postscript'],
  ['OCTET-STREAM', 'application/octet-stream'],
  ['MSWORD', 'application/msword'],
  ['X-HL7-CDA-LEVEL-ONE', 'application/x-hl7-cda-level-one+xml'],
  ['WAV', 'audio/wav'],
  ['MPEG', 'video/mpeg'],
  ['MP3', 'audio/mpeg'],
]);
const MIME = /^[a-z]+\/[a-z0-9.+-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
const WHITESPACE = /\s+/g;
const SPACE = / /g;

/** A MIME type from v2's type of data and subtype, or undefined. */
export function mimeType(type: string, subtype: string): string | undefined {
  const sub = subtype.toLowerCase();
  if (MIME.test(sub)) return sub;
  const top = type.toLowerCase();
  if (sub !== '' && TOP_LEVEL.has(top)) return `${top}/${sub}`;
  const known = SUBTYPES.get(subtype.toUpperCase());
  if (known !== undefined) return known;
  return top === 'text' && sub === '' ? 'text/plain' : undefined;
}

/** ED → Attachment. */
export const attachmentFromEd: Converter = (rep, ctx) => {
  const raw = rep.component(5);
  if (raw === '') return undefined;
  const data = encodeData(raw, rep.component(4), ctx);
  if (data === undefined) return undefined;
  return { contentType: mimeType(rep.component(2), rep.component(3)) ?? 'application/octet-stream', data } satisfies Attachment;
};

function encodeData(raw: string, encoding: string, ctx: ConvertContext): string | undefined {
  switch (encoding.toUpperCase()) {
    case 'BASE64': {
      const compact = raw.replace(WHITESPACE, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
        ctx.warn('ED.5: not valid base64');
        return undefined;
      }
      return compact;
    }
    case 'HEX': {
      const compact = raw.replace(WHITESPACE, '');
      if (!HEX.test(compact)) {
        ctx.warn('ED.5: not valid hex');
        return undefined;
      }
      return Buffer.from(compact, 'hex').toString('base64');
    }
    case 'A':
    case '':
      return Buffer.from(raw, 'utf8').toString('base64');
    default:
      ctx.warn('ED.4: encoding is not A, Hex or Base64 (HL7 table 0299)');
      return undefined;
  }
}

/** RP → Attachment: RP.1 pointer → url, RP.3/RP.4 → contentType. */
export const attachmentFromRp: Converter = (rep) => {
  const url = rep.component(1).trim();
  if (url === '') return undefined;
  const a: Attachment = {};
  const contentType = mimeType(rep.component(3), rep.component(4));
  if (contentType !== undefined) a.contentType = contentType;
  a.url = url.replace(SPACE, '%20'); // FHIR url has no whitespace; a file path with spaces is common
  return a;
};
