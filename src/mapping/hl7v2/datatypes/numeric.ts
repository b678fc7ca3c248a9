/**
 * NM / CQ / NR → decimal, integer, positiveInt, unsignedInt, Quantity, Range
 * (IG NM[Quantity], NM[positiveInt], CQ[Quantity], CQ[decimal], NR[Range];
 * HL7 v2.5.1 §2.A.47 NM, §2.A.12 CQ, §2.A.48 NR).
 *
 * NM is an optional sign, digits and an optional decimal point (`+1.5`, `-.5`, `007`); FHIR
 * decimals are JSON numbers, so `1.20` becomes 1.2 (JSON keeps no trailing zeros). Text that is
 * not an NM (`>5`, `1,5`, `neg`) gives undefined and a warning: a lab's comparator belongs in
 * an SN, and guessing a decimal comma would silently change values. For the integer types a
 * value outside the type (a fraction, 0 for positiveInt — the IG row says "if negative raise an
 * error", medibus warns and leaves the element out) is refused the same way.
 */
import type { Quantity, Range } from '@medplum/fhirtypes';
import { setUnits } from './units.js';
import type { Converter, ConvertContext } from './types.js';

/**
 * The value of an NM (`^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$`), or NaN when the text is not one;
 * read in one loop: a lab message has dozens of NM values, and a regex test costs more than the
 * whole walk. Up to 15 significant digits the value is the digits as an integer divided by a
 * power of ten: both are exact doubles and IEEE division rounds once, so the result is the
 * double Number() gives (Clinger's fast path) without Number()'s call into the runtime.
 */
function nmValue(s: string): number {
  const n = s.length;
  let i = 0;
  const sign = n > 0 ? s.charCodeAt(0) : 0;
  if (sign === 43 || sign === 45) i++; // + -
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  for (let c = s.charCodeAt(i); i < n && isDigit(c); c = s.charCodeAt(++i)) {
    mantissa = mantissa * 10 + (c - 48);
    if (mantissa !== 0) significant++;
    digits++;
  }
  let fraction = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    // .
    i++;
    for (let c = s.charCodeAt(i); i < n && isDigit(c); c = s.charCodeAt(++i)) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) significant++;
      fraction++;
    }
    if (digits === 0 && fraction === 0) return NaN;
  } else if (digits === 0) {
    return NaN;
  }
  if (i !== n) return NaN;
  if (significant > 15 || fraction > 22) return Number(s);
  const value = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction];
  return sign === 45 ? -value : value;
}

/** 10^0 … 10^22, each exact as a double (5^22 < 2^53), made by exact multiplications */
const POWERS_OF_TEN: readonly number[] = (() => {
  const out = [1];
  for (let k = 1; k <= 22; k++) out.push(out[k - 1] * 10);
  return out;
})();

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** NM text → number, or undefined when it is not an NM (no warning: the caller decides). */
export function parseNm(text: string): number | undefined {
  const n = nmValue(text.trim());
  if (Number.isNaN(n)) return undefined;
  return n === 0 ? 0 : n; // no -0 in JSON output
}

/** NM text → number, or undefined (with a warning naming `label`) when it is not an NM. */
export function toDecimal(text: string, ctx: ConvertContext, label = 'NM'): number | undefined {
  if (text === '') return undefined;
  const n = parseNm(text);
  if (n === undefined) ctx.warn(`${label}: not a valid NM (expected digits with an optional sign and decimal point)`);
  return n;
}

function integerOf(text: string, ctx: ConvertContext, min: number, type: string): number | undefined {
  const n = toDecimal(text, ctx);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > INT32_MAX) {
    ctx.warn(`NM: not a valid ${type}${min > INT32_MIN ? ` (at least ${min})` : ''}`);
    return undefined;
  }
  return n;
}

export const decimal: Converter = (rep, ctx) => toDecimal(rep.component(1), ctx);
export const integer: Converter = (rep, ctx) => integerOf(rep.component(1), ctx, INT32_MIN, 'integer');
export const positiveInt: Converter = (rep, ctx) => integerOf(rep.component(1), ctx, 1, 'positiveInt');
export const unsignedInt: Converter = (rep, ctx) => integerOf(rep.component(1), ctx, 0, 'unsignedInt');

/** NM → Quantity with the value only; units come from another field (OBX-6), see obx.ts. */
export const quantityFromNm: Converter = (rep, ctx) => {
  const value = toDecimal(rep.component(1), ctx);
  return value === undefined ? undefined : ({ value } satisfies Quantity);
};

/** CQ → Quantity: CQ.1 value, CQ.2 units (a CWE in subcomponents; CWE[Quantity] rules, units.ts). */
export const quantityFromCq: Converter = (rep, ctx) => {
  const value = toDecimal(rep.component(1), ctx, 'CQ.1');
  if (value === undefined) return undefined;
  const q: Quantity = { value };
  setUnits(q, rep.component(2, 1), rep.component(2, 2), rep.component(2, 3), ctx);
  return q;
};

/** CQ → decimal (IG CQ[decimal]: CQ.1). */
export const decimalFromCq: Converter = (rep, ctx) => toDecimal(rep.component(1), ctx, 'CQ.1');

/** NR → Range (IG NR[Range]: NR.1 low, NR.2 high). */
export const rangeFromNr: Converter = (rep, ctx) => {
  const low = toDecimal(rep.component(1), ctx, 'NR.1');
  const high = toDecimal(rep.component(2), ctx, 'NR.2');
  if (low === undefined && high === undefined) return undefined;
  const range: Range = {};
  if (low !== undefined) range.low = { value: low };
  if (high !== undefined) range.high = { value: high };
  return range;
};
