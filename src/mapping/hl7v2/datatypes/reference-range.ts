/**
 * OBX-7 (+ OBX-6) → Observation.referenceRange (IG OBX[Observation] OBX-7 row:
 * "referenceRange.text … If OBX-7 is sufficiently parseable, then the low, high … may be used").
 *
 * OBX-7 is an ST whose forms v2.5.1 §7.4.2.7 lists: "lower limit-upper limit", "> lower limit",
 * "< upper limit", or text. medibus reads those numbers as low / high SimpleQuantities with
 * OBX-6's units (the same unit, system and code as valueQuantity, units.ts), and always keeps
 * the text as sent, so nothing a clinician reads is lost:
 *   `4.0-10.0` `4.0 – 10.0` `4 to 10` → low 4, high 10    `-5--1` → low -5, high -1    `-5-5` → -5, 5
 *   `<10` `<=10` `≤10` → high 10                        `>4` `>=4` `≥4` → low 4
 *   `Âm tính`, `1:40`, `10-5` (low above high), `5-` → text only.
 * `<` and `>` become the (inclusive) bound as well: SimpleQuantity has no comparator (R4
 * referenceRange.low/high are SimpleQuantity), and the text keeps the strict reading.
 */
import type { ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import { compilePath, Repetition, type Segment } from '../../../hl7/index.js';
import { parseNm } from './numeric.js';
import type { ConvertContext, SegmentConversion } from './types.js';
import { setUnits } from './units.js';

const OBX_6_FIRST = compilePath('OBX-6[1]');
const OBX_7 = compilePath('OBX-7');

/** an NM (v2.5.1 §2.A.47): optional sign, digits, optional decimal point */
const NM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
/**
 * `a-b`: the first number takes its own sign, so `-5--1` is -5 to -1; en/em dashes too, and
 * `a to b` (microsoft-fhir-converter__LRI_2.0-NG_CBC_Typ_Message.hl7 of fixtures/hl7/corpus
 * sends `4.3 to 6.2`)
 */
const BETWEEN = new RegExp(String.raw`^(${NM})(?:\s*[-–—]\s*|\s+to\s+)(${NM})$`);
const BOUND = new RegExp(String.raw`^(<=|>=|≤|≥|<|>)\s*(${NM})$`);

interface Bounds {
  readonly low?: number;
  readonly high?: number;
}

/**
 * The numeric bounds OBX-7 text states; undefined when it states none (text ranges), 'inverted'
 * for `a-b` with a above b (a typo or a form medibus does not know: which bound is meant is a guess).
 */
export function rangeBounds(text: string): Bounds | 'inverted' | undefined {
  const between = BETWEEN.exec(text);
  if (between !== null) {
    const low = parseNm(between[1]);
    const high = parseNm(between[2]);
    if (low === undefined || high === undefined) return undefined;
    return low > high ? 'inverted' : { low, high };
  }
  const bound = BOUND.exec(text);
  if (bound === null) return undefined;
  const value = parseNm(bound[2]);
  if (value === undefined) return undefined;
  return bound[1].startsWith('<') || bound[1] === '≤' ? { high: value } : { low: value };
}

function quantity(value: number, seg: Segment, ctx: ConvertContext): Quantity {
  const q: Quantity = { value };
  const units = new Repetition(OBX_6_FIRST.raw(seg), seg.ctx);
  setUnits(q, units.component(1), units.component(2), units.component(3), ctx);
  return q;
}

/** OBX → one Observation.referenceRange: low / high from OBX-7's numbers (units OBX-6), text as sent. */
export function obxReferenceRange(seg: Segment, ctx: ConvertContext): ObservationReferenceRange | undefined {
  const text = OBX_7.get(seg).trim();
  if (text === '') return undefined;
  const bounds = rangeBounds(text);
  const range: ObservationReferenceRange = {};
  if (bounds === 'inverted') ctx.warn('OBX-7: the lower limit is above the upper limit; the range is kept as text only');
  else if (bounds !== undefined) {
    if (bounds.low !== undefined) range.low = quantity(bounds.low, seg, ctx);
    if (bounds.high !== undefined) range.high = quantity(bounds.high, seg, ctx);
  }
  range.text = text;
  return range;
}

export const REFERENCE_RANGE_CONVERSION = {
  name: 'obx-reference-range',
  segment: 'OBX',
  result: 'element',
  target: 'Observation.referenceRange',
  description: 'OBX-7 (+ OBX-6 units) → referenceRange low / high for a-b, <b, >a, ≤b, ≥a; the text always kept',
  convert: obxReferenceRange,
} as const satisfies SegmentConversion;
