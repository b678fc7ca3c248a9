/**
 * SN (structured numeric) → Quantity, Range, Ratio (IG SN[Quantity], SN[Range], SN[Ratio],
 * and the OBX[Observation] OBX-5 rows that choose between them; HL7 v2.5.1 §2.A.72 SN).
 *
 *   SN.1 comparator  SN.2 num1  SN.3 separator/suffix  SN.4 num2
 *   `<^5`  → Quantity { comparator: '<', value: 5 }       `=^5` → Quantity { value: 5 }
 *   `^1^-^5` → Range { low 1, high 5 }                     `^1^:^128`, `^1^/^2` → Ratio
 *   `<>^…` and `^1^+^` (SN.3 `+`, "1+" in v2) → no numeric form: string (obx-value only)
 *
 * The original text extension the IG rows add (when SN.3/SN.4, or SN.1/SN.3 for a range, are
 * valued) joins the valued parts with single spaces; the rows' formula would put two spaces
 * where a part is empty.
 */
import type { Extension, Quantity, Range, Ratio } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { toDecimal } from './numeric.js';
import type { Converter, ConvertContext } from './types.js';

const ORIGINAL_TEXT_URL = 'http://hl7.org/fhir/StructureDefinition/originalText';
const COMPARATORS: ReadonlySet<string> = new Set(['<', '<=', '>=', '>']);

export type SnShape = 'Quantity' | 'Range' | 'Ratio' | 'string';

/** Which FHIR type an SN is, by the OBX[Observation] rows' conditions on SN.1 and SN.3. */
export function snShape(rep: Repetition): SnShape {
  const comparator = rep.component(1);
  if (comparator === '<>') return 'string';
  const separator = rep.component(3);
  if (separator === '-') return 'Range';
  if (separator === ':' || separator === '/') return 'Ratio';
  if (separator === '+') return 'string';
  return comparator === '' || comparator === '=' || COMPARATORS.has(comparator) ? 'Quantity' : 'string';
}

/** The SN as text, valued parts joined by spaces (the IG's originalText and valueString formula). */
export function snText(rep: Repetition, unit = ''): string {
  let out = '';
  for (let c = 1; c <= 4; c++) {
    const part = rep.component(c);
    if (part !== '') out = out === '' ? part : `${out} ${part}`;
  }
  return unit === '' || out === '' ? out : `${out} ${unit}`;
}

function originalText(rep: Repetition): Extension[] {
  return [{ url: ORIGINAL_TEXT_URL, valueString: snText(rep) }];
}

/** SN → Quantity, or undefined (with a warning) when the SN is a range, a ratio or not numeric. */
export function snQuantity(rep: Repetition, ctx: ConvertContext): Quantity | undefined {
  if (snShape(rep) !== 'Quantity') {
    ctx.warn('SN: a range, ratio or text value is not a Quantity');
    return undefined;
  }
  const value = toDecimal(rep.component(2), ctx, 'SN.2');
  if (value === undefined) return undefined;
  const q: Quantity = {};
  if (rep.component(3) !== '' || rep.component(4) !== '') q.extension = originalText(rep);
  const comparator = rep.component(1);
  if (COMPARATORS.has(comparator)) q.comparator = comparator as Quantity['comparator'];
  q.value = value;
  return q;
}

/** SN with SN.3 `-` → Range (low SN.2, high SN.4). */
export function snRange(rep: Repetition, ctx: ConvertContext): Range | undefined {
  if (snShape(rep) !== 'Range') {
    ctx.warn('SN: not a range (SN.3 is not "-")');
    return undefined;
  }
  const low = toDecimal(rep.component(2), ctx, 'SN.2');
  const high = toDecimal(rep.component(4), ctx, 'SN.4');
  if (low === undefined && high === undefined) return undefined;
  const range: Range = { extension: originalText(rep) };
  if (low !== undefined) range.low = { value: low };
  if (high !== undefined) range.high = { value: high };
  return range;
}

/** SN with SN.3 `:` or `/` → Ratio (numerator SN.1 SN.2, denominator SN.4). */
export function snRatio(rep: Repetition, ctx: ConvertContext): Ratio | undefined {
  if (snShape(rep) !== 'Ratio') {
    ctx.warn('SN: not a ratio (SN.3 is not ":" or "/")');
    return undefined;
  }
  const num = toDecimal(rep.component(2), ctx, 'SN.2');
  const den = toDecimal(rep.component(4), ctx, 'SN.4');
  if (num === undefined && den === undefined) return undefined;
  const ratio: Ratio = { extension: originalText(rep) };
  if (num !== undefined) {
    const comparator = rep.component(1);
    ratio.numerator = COMPARATORS.has(comparator) ? { comparator: comparator as Quantity['comparator'], value: num } : { value: num };
  }
  if (den !== undefined) ratio.denominator = { value: den };
  return ratio;
}

export const quantityFromSn: Converter = snQuantity;
export const rangeFromSn: Converter = snRange;
export const ratioFromSn: Converter = snRatio;
