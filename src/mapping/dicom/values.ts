/**
 * DICOM values → FHIR types, by the attribute's VR (PS3.5 §6.2) and the element's FHIR type.
 * The R4 ImagingStudy mapping (https://hl7.org/fhir/R4/imagingstudy-mappings.html) decides the
 * UID forms: an Identifier is `urn:dicom:uid` | `urn:oid:<uid>` (R4 ImagingStudy.identifier and
 * its examples), a Coding of a UID (the SOP Class) is `urn:ietf:rfc:3986` | `urn:oid:<uid>`,
 * an `id` element (series.uid, instance.uid) the bare UID, an `oid` `urn:oid:<uid>`.
 */
import type { HumanName } from '@medplum/fhirtypes';
import { pnAlphabetic } from '../../dicom/index.js';
import { dateText, dateTimeText, timeText } from '../record/dates.js';
import type { Leaf, LeafContext, LeafConverter } from '../record/types.js';

export const DICOM_UID_SYSTEM = 'urn:dicom:uid';
export const RFC3986 = 'urn:ietf:rfc:3986';

function text(leaf: Leaf): string {
  const v = leaf.value;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.trim();
  if (leaf.vr === 'PN' && typeof v === 'object' && v !== null) return personText(v);
  return '';
}

/** `Doe^John^^Dr` → `Dr John Doe`: a name as people write it, for display and string elements. */
function personText(value: object): string {
  const parts = pnAlphabetic(value).split('^').map((p) => p.trim());
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = parts;
  return [prefix, given, middle, family, suffix].filter((p) => p !== '').join(' ');
}

function humanName(leaf: Leaf): HumanName | undefined {
  if (leaf.vr !== 'PN' || typeof leaf.value !== 'object' || leaf.value === null) {
    const t = text(leaf);
    return t === '' ? undefined : { text: t };
  }
  const alphabetic = pnAlphabetic(leaf.value);
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^').map((p) => p.trim());
  const name: HumanName = {};
  if (family !== '') name.family = family;
  const givens = [given, middle].filter((g) => g !== '');
  if (givens.length > 0) name.given = givens;
  if (prefix !== '') name.prefix = [prefix];
  if (suffix !== '') name.suffix = [suffix];
  if (Object.keys(name).length === 0) return undefined;
  return name;
}

const isUid = (leaf: Leaf): boolean => leaf.vr === 'UI';
function integer(leaf: Leaf, min: number): number | undefined {
  const n = typeof leaf.value === 'number' ? leaf.value : Number(text(leaf));
  return Number.isInteger(n) && n >= min ? n : undefined;
}

function dateTimeOf(leaf: Leaf, cx: LeafContext, instant: boolean): string | undefined {
  const t = text(leaf);
  if (t === '') return undefined;
  if (leaf.vr === 'DA') return instant ? undefined : dateText(t.replace(/\./g, ''));
  if (leaf.vr === 'DT') return dateTimeText(t, cx, instant);
  return undefined;
}

export function dicomConverter(fhirType: string, as: string | undefined): LeafConverter | undefined {
  if (as === 'authority') return fhirType === 'uri' ? (leaf, cx) => cx.authority(text(leaf)) : undefined;
  switch (fhirType) {
    case 'string':
    case 'markdown':
    case 'code':
      return (leaf) => text(leaf) || undefined;
    case 'id':
      return (leaf) => {
        const t = text(leaf);
        return /^[A-Za-z0-9\-.]{1,64}$/.test(t) ? t : undefined;
      };
    case 'oid':
      return (leaf) => (isUid(leaf) ? `urn:oid:${text(leaf)}` : undefined);
    case 'uri':
    case 'url':
    case 'canonical':
      return (leaf) => (isUid(leaf) ? `urn:oid:${text(leaf)}` : text(leaf) || undefined);
    case 'date':
      return (leaf, cx) => {
        if (leaf.vr === 'DA') return dateText(text(leaf).replace(/\./g, ''));
        if (leaf.vr === 'DT') return dateTimeText(text(leaf), cx, false)?.slice(0, 10);
        return undefined;
      };
    case 'dateTime':
      return (leaf, cx) => dateTimeOf(leaf, cx, false);
    case 'instant':
      return (leaf, cx) => dateTimeOf(leaf, cx, true);
    case 'time':
      return (leaf) => (leaf.vr === 'TM' ? timeText(text(leaf)) : undefined);
    case 'integer':
      return (leaf) => integer(leaf, Number.MIN_SAFE_INTEGER);
    case 'unsignedInt':
      return (leaf) => integer(leaf, 0);
    case 'positiveInt':
      return (leaf) => integer(leaf, 1);
    case 'decimal':
      return (leaf) => {
        const n = typeof leaf.value === 'number' ? leaf.value : Number(text(leaf));
        return Number.isFinite(n) ? n : undefined;
      };
    case 'HumanName':
      return (leaf) => humanName(leaf);
    case 'Identifier':
      return (leaf) => {
        const t = text(leaf);
        if (t === '') return undefined;
        return isUid(leaf) ? { system: DICOM_UID_SYSTEM, value: `urn:oid:${t}` } : { value: t };
      };
    case 'Coding':
      return (leaf) => {
        const t = text(leaf);
        if (t === '') return undefined;
        return isUid(leaf) ? { system: RFC3986, code: `urn:oid:${t}` } : { code: t };
      };
    case 'CodeableConcept':
      return (leaf) => {
        const t = text(leaf);
        if (t === '') return undefined;
        return { coding: [isUid(leaf) ? { system: RFC3986, code: `urn:oid:${t}` } : { code: t }] };
      };
    default:
      return undefined;
  }
}
