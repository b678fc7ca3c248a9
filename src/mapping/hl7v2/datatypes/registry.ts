/**
 * Which conversion fills which FHIR type (docs/mapping-language.md, "Conversion by target
 * type"), following the IG's datatype maps named `V2[FHIR]`:
 *
 * | FHIR target                   | default v2 type | also (`type:` in the mapping)          |
 * | ----------------------------- | --------------- | -------------------------------------- |
 * | HumanName                     | XPN             | XCN, CNN (their name part), FN         |
 * | Identifier                    | CX              | EI, HD, ST                             |
 * | CodeableConcept               | CWE             | CE, CNE, CF, ID, IS                    |
 * | Coding                        | CWE             | CE, CNE, CF, ID, IS                    |
 * | code                          | CWE             | CE, CNE, ID, IS, ST (component 1)      |
 * | Address                       | XAD             |                                        |
 * | ContactPoint                  | XTN             |                                        |
 * | dateTime                      | DTM             | TS, DT                                 |
 * | instant                       | DTM             | TS                                     |
 * | date                          | DT              | DTM, TS (date part)                    |
 * | time                          | TM              |                                        |
 * | Period                        | DR              |                                        |
 * | Quantity                      | NM              | CQ, SN                                 |
 * | Range                         | SN              | NR                                     |
 * | Ratio                         | SN              |                                        |
 * | Attachment                    | ED              | RP                                     |
 * | Annotation                    | FT              | TX, ST                                 |
 * | Reference                     | XCN (→ Practitioner) | CNN (Practitioner), XON (Organization), PL (Location) |
 * | boolean                       | ID (Y/N)        | IS                                     |
 * | integer, positiveInt, unsignedInt | NM          |                                        |
 * | decimal                       | NM              | CQ (CQ.1)                              |
 * | string                        | ST              | TX, FT, ID, IS, CWE (CWE[string]), CX (CX.1) |
 * | markdown                      | ST              | TX, FT                                 |
 * | uri, url, canonical           | ST              | HD (HD[uri])                           |
 * | id                            | ST              |                                        |
 *
 * Segment-level conversions (`convert:` in a mapping) are listed by SEGMENT_CONVERSIONS.
 */
import type { Repetition } from '../../../hl7/index.js';
import { address } from './address.js';
import { attachmentFromEd, attachmentFromRp } from './attachment.js';
import { code, codeableConcept, codeableConceptFromId, coding, codingFromId, stringFromCwe } from './coded.js';
import { date, dateTime, instant, period, time } from './datetime.js';
import { identifierFromCx, identifierFromEi, identifierFromHd, identifierFromSt, uriFromHd } from './identifier.js';
import { locationFromPl } from './location.js';
import { humanName, humanNameFromCnn, humanNameFromFn, humanNameFromXcn } from './name.js';
import { decimal, decimalFromCq, integer, positiveInt, quantityFromCq, quantityFromNm, rangeFromNr, unsignedInt } from './numeric.js';
import { OBX_CONVERSIONS } from './obx.js';
import { organizationFromXon } from './organization.js';
import { practitionerFromCnn, practitionerFromXcn } from './practitioner.js';
import { REFERENCE_RANGE_CONVERSION } from './reference-range.js';
import { quantityFromSn, rangeFromSn, ratioFromSn } from './structured-numeric.js';
import { contactPoint } from './telecom.js';
import { annotation, boolean, id, string, uri } from './text.js';
import type { Converter, ConverterLookup, SegmentConversion } from './types.js';

/** FHIR type → [default v2 type, { v2 type → conversion }] */
type Table = Readonly<Record<string, readonly [string, Readonly<Record<string, Converter>>]>>;

/** CX.1 as a string (IG CX[string]). */
const stringFromCx: Converter = (rep: Repetition) => rep.component(1) || undefined;

const CODED = { CWE: codeableConcept, CE: codeableConcept, CNE: codeableConcept, CF: codeableConcept, ID: codeableConceptFromId, IS: codeableConceptFromId };
const CODING = { CWE: coding, CE: coding, CNE: coding, CF: coding, ID: codingFromId, IS: codingFromId };
const INTEGERS = { NM: integer };

const TABLE: Table = {
  HumanName: ['XPN', { XPN: humanName, XCN: humanNameFromXcn, CNN: humanNameFromCnn, FN: humanNameFromFn }],
  Identifier: ['CX', { CX: identifierFromCx, EI: identifierFromEi, HD: identifierFromHd, ST: identifierFromSt }],
  CodeableConcept: ['CWE', CODED],
  Coding: ['CWE', CODING],
  code: ['CWE', { CWE: code, CE: code, CNE: code, ID: code, IS: code, ST: code }],
  Address: ['XAD', { XAD: address }],
  ContactPoint: ['XTN', { XTN: contactPoint }],
  dateTime: ['DTM', { DTM: dateTime, TS: dateTime, DT: dateTime }],
  instant: ['DTM', { DTM: instant, TS: instant }],
  date: ['DT', { DT: date, DTM: date, TS: date }],
  time: ['TM', { TM: time }],
  Period: ['DR', { DR: period }],
  Quantity: ['NM', { NM: quantityFromNm, CQ: quantityFromCq, SN: quantityFromSn }],
  Range: ['SN', { SN: rangeFromSn, NR: rangeFromNr }],
  Ratio: ['SN', { SN: ratioFromSn }],
  Attachment: ['ED', { ED: attachmentFromEd, RP: attachmentFromRp }],
  Annotation: ['FT', { FT: annotation, TX: annotation, ST: annotation }],
  Reference: ['XCN', { XCN: practitionerFromXcn, CNN: practitionerFromCnn, XON: organizationFromXon, PL: locationFromPl }],
  boolean: ['ID', { ID: boolean, IS: boolean }],
  integer: ['NM', INTEGERS],
  positiveInt: ['NM', { NM: positiveInt }],
  unsignedInt: ['NM', { NM: unsignedInt }],
  decimal: ['NM', { NM: decimal, CQ: decimalFromCq }],
  string: ['ST', { ST: string, TX: string, FT: string, ID: string, IS: string, CWE: stringFromCwe, CE: stringFromCwe, CNE: stringFromCwe, CX: stringFromCx }],
  markdown: ['ST', { ST: string, TX: string, FT: string }],
  uri: ['ST', { ST: uri, HD: uriFromHd }],
  url: ['ST', { ST: uri, HD: uriFromHd }],
  canonical: ['ST', { ST: uri }],
  id: ['ST', { ST: id }],
};

/** The conversion for a FHIR target type and, when the mapping says, a v2 type; undefined when none exists. */
export const lookupConverter: ConverterLookup = (fhirType, v2Type) => {
  const entry = Object.hasOwn(TABLE, fhirType) ? TABLE[fhirType] : undefined;
  if (entry === undefined) return undefined;
  const [fallback, byV2] = entry;
  const wanted = v2Type === undefined || v2Type === '' ? fallback : v2Type.toUpperCase();
  return Object.hasOwn(byV2, wanted) ? byV2[wanted] : undefined;
};

/** For the compiler's messages: the v2 types a FHIR type accepts, default first ([] when the FHIR type has no conversion). */
export function v2TypesFor(fhirType: string): string[] {
  if (!Object.hasOwn(TABLE, fhirType)) return [];
  const [fallback, byV2] = TABLE[fhirType];
  return [fallback, ...Object.keys(byV2).filter((t) => t !== fallback)];
}

/** Every FHIR type some conversion fills. */
export function convertibleFhirTypes(): string[] {
  return Object.keys(TABLE);
}

/** `convert:` names → segment-level conversions. */
export const SEGMENT_CONVERSIONS: ReadonlyMap<string, SegmentConversion> = new Map([...OBX_CONVERSIONS, REFERENCE_RANGE_CONVERSION].map((c) => [c.name, c]));

export function lookupSegmentConversion(name: string): SegmentConversion | undefined {
  return SEGMENT_CONVERSIONS.get(name);
}
