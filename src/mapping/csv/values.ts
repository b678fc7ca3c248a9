/**
 * CSV cells (text) → FHIR types. Dates are read as ISO 8601 (`1992-05-18`,
 * `2014-06-22T06:22:30Z`) or compact (`19920518`); a cell that is not one fails the row with
 * its line and column, as a number or a boolean that is not one does: a wrong value in an export
 * is a fact about the row, which goes to the failed queue with the reason (issue 10.4).
 * `type: uid` reads a cell as a DICOM UID (an Identifier `urn:dicom:uid` | `urn:oid:<uid>`, a
 * Coding `urn:ietf:rfc:3986`), `type: authority` as an assigning authority (a system URI).
 */
import { dateText, dateTimeText, timeText } from '../record/dates.js';
import type { Leaf, LeafContext, LeafConverter } from '../record/types.js';

const text = (leaf: Leaf): string => String(leaf.value).trim();

function bad(cx: LeafContext, leaf: Leaf, what: string): never {
  throw cx.error('MEDIBUS_ERR_MAPPING_RUNTIME', `"${text(leaf)}" is not ${what}`);
}

const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, false: false, yes: true, no: false, y: true, n: false, '1': true, '0': false };

export function csvConverter(fhirType: string, as: string | undefined): LeafConverter | undefined {
  if (as === 'authority') return fhirType === 'uri' ? (leaf, cx) => cx.authority(text(leaf)) : undefined;
  const uid = as === 'uid';
  switch (fhirType) {
    case 'string':
    case 'markdown':
    case 'code':
      return (leaf) => text(leaf);
    case 'id':
      return (leaf, cx) => (/^[A-Za-z0-9\-.]{1,64}$/.test(text(leaf)) ? text(leaf) : bad(cx, leaf, 'an id (letters, digits, - and ., at most 64)'));
    case 'oid':
      return (leaf) => (uid ? `urn:oid:${text(leaf)}` : text(leaf));
    case 'uri':
    case 'url':
    case 'canonical':
      return (leaf) => (uid ? `urn:oid:${text(leaf)}` : text(leaf));
    case 'date':
      return (leaf, cx) => dateText(text(leaf).slice(0, 10)) ?? bad(cx, leaf, 'a date (YYYY-MM-DD)');
    case 'dateTime':
      return (leaf, cx) => dateTimeText(text(leaf), cx, false) ?? bad(cx, leaf, 'a date or date-time (YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ)');
    case 'instant':
      return (leaf, cx) => dateTimeText(text(leaf), cx, true) ?? bad(cx, leaf, 'a date-time to the second (YYYY-MM-DDThh:mm:ssZ)');
    case 'time':
      return (leaf, cx) => timeText(text(leaf)) ?? bad(cx, leaf, 'a time (hh:mm:ss)');
    case 'integer':
    case 'unsignedInt':
    case 'positiveInt':
      return (leaf, cx) => {
        const n = Number(text(leaf));
        const min = fhirType === 'integer' ? Number.MIN_SAFE_INTEGER : fhirType === 'unsignedInt' ? 0 : 1;
        return Number.isInteger(n) && n >= min ? n : bad(cx, leaf, `an ${fhirType}`);
      };
    case 'decimal':
      return (leaf, cx) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text(leaf)) ? Number(text(leaf)) : bad(cx, leaf, 'a number'));
    case 'boolean':
      return (leaf, cx) => BOOLEAN[text(leaf).toLowerCase()] ?? bad(cx, leaf, 'a boolean (true/false, yes/no, Y/N, 1/0)');
    case 'Identifier':
      return (leaf) => (uid ? { system: 'urn:dicom:uid', value: `urn:oid:${text(leaf)}` } : { value: text(leaf) });
    case 'Coding':
      return (leaf) => (uid ? { system: 'urn:ietf:rfc:3986', code: `urn:oid:${text(leaf)}` } : { code: text(leaf) });
    case 'CodeableConcept':
      return (leaf) => ({ coding: [uid ? { system: 'urn:ietf:rfc:3986', code: `urn:oid:${text(leaf)}` } : { code: text(leaf) }] });
    case 'HumanName':
    case 'Address':
    case 'Annotation':
      return (leaf) => ({ text: text(leaf) });
    default:
      return undefined;
  }
}
