/**
 * DTM / TS / DT / TM / DR → FHIR dateTime, date, instant, time, Period
 * (IG maps DTM[dateTime], TS[dateTime], DR[Period]; HL7 v2.5.1 §2.A.22 DTM, §2.A.77 TS,
 * §2.A.21 DT, §2.A.75 TM, §2.A.20 DR).
 *
 * v2:   YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
 * FHIR: YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)
 *
 * Precision is kept down to the day and from the second on; FHIR has no hour or minute
 * precision, so `2024030514` becomes 14:00:00 and `202403051430` 14:30:00 (the IG's "convert
 * to FHIR format" row leaves this open). An offset sent is kept as sent; a time sent without
 * one gets the channel's `defaultTimezone` (timezone.ts), else MSH-7's offset (runtime-convert.ts),
 * else UTC, which the context is told of (`assumedUtc`, a warning once per message). A date target takes
 * the date as written (no conversion to another zone) and drops the time. Invalid values give
 * undefined and a warning that names the datatype, never the value (it may be PHI).
 */
import type { Period } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import type { Converter, ConvertContext } from './types.js';
import { formatOffset, zoneResolver } from '../../../util/timezone.js';

/** What `scan` found; one shared scratch object (conversions are synchronous), so no allocation per value. */
const found = { digits: 0, fraction: '', offset: '', year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };

const DTM_FORMAT = 'YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Validates a DTM (or a TM when `time`) into `found`; false when it is not one. */
function scan(s: string, time: boolean): boolean {
  const n = s.length;
  let i = 0;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const digits = i;
  const full = time ? 6 : 14;
  // DTM: 4, 6 … 14 digits; TM: 2, 4 or 6
  if (time ? digits !== 2 && digits !== 4 && digits !== 6 : digits < 4 || digits > 14 || digits % 2 !== 0) return false;
  found.digits = digits;
  found.fraction = '';
  found.offset = '';
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    if (digits !== full) return false;
    let j = i + 1;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    if (j === i + 1) return false;
    found.fraction = s.slice(i, j);
    i = j;
  }
  if (i < n) {
    const sign = s.charCodeAt(i);
    if ((sign !== 43 && sign !== 45) || n - i !== 5) return false;
    for (let j = i + 1; j < n; j++) if (!isDigit(s.charCodeAt(j))) return false;
    const hh = num(s, i + 1, i + 3);
    const mm = num(s, i + 3, i + 5);
    // FHIR allows offsets up to ±14:00 (R4 dateTime regex)
    if (mm > 59 || hh > 14 || (hh === 14 && mm !== 0)) return false;
    found.offset = `${s[i]}${s.slice(i + 1, i + 3)}:${s.slice(i + 3, i + 5)}`;
  }
  if (time) {
    found.hour = num(s, 0, 2);
    found.minute = digits >= 4 ? num(s, 2, 4) : 0;
    found.second = digits >= 6 ? num(s, 4, 6) : 0;
    return found.hour < 24 && found.minute < 60 && found.second < 60;
  }
  found.year = num(s, 0, 4);
  found.month = digits >= 6 ? num(s, 4, 6) : 1;
  found.day = digits >= 8 ? num(s, 6, 8) : 1;
  found.hour = digits >= 10 ? num(s, 8, 10) : 0;
  found.minute = digits >= 12 ? num(s, 10, 12) : 0;
  found.second = digits >= 14 ? num(s, 12, 14) : 0;
  return (
    found.year >= 1 &&
    found.month >= 1 && found.month <= 12 &&
    found.day >= 1 && found.day <= daysIn(found.year, found.month) &&
    found.hour < 24 && found.minute < 60 && found.second < 60
  );
}

function invalid(ctx: ConvertContext, label: string | undefined, type: string): undefined {
  ctx.warn(`${label ? `${label}: ` : ''}not a valid ${type} (expected ${type === 'TM' ? 'HH[MM[SS[.S…]]][+/-ZZZZ]' : DTM_FORMAT})`);
  return undefined;
}

/** The offset for the time in `found`: as sent, else the default zone's, else UTC. */
function offsetFor(ctx: ConvertContext): string {
  if (found.offset !== '') return found.offset;
  const zone = ctx.defaultTimezone;
  if (zone === undefined || zone === '') {
    ctx.assumedUtc?.();
    return '+00:00';
  }
  const resolve = zoneResolver(zone);
  if (resolve === undefined) {
    ctx.warn(`defaultTimezone "${zone}" is neither an IANA zone nor an offset like +07:00; UTC used`);
    return '+00:00';
  }
  return formatOffset(resolve(found.year, found.month, found.day, found.hour, found.minute, found.second));
}

function datePart(s: string): string {
  const d = found.digits;
  return d === 4 ? s.slice(0, 4) : d === 6 ? `${s.slice(0, 4)}-${s.slice(4, 6)}` : `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

function timePart(s: string, ctx: ConvertContext): string {
  const d = found.digits;
  return `T${s.slice(8, 10)}:${d >= 12 ? s.slice(10, 12) : '00'}:${d >= 14 ? s.slice(12, 14) : '00'}${found.fraction}${offsetFor(ctx)}`;
}

/**
 * The last dateTime converted: a lab message repeats one time in every OBX (OBX-14, or OBR-7
 * for each observation), and the result is a function of the text and the zone only.
 */
let lastText = '';
let lastZone: string | undefined;
let lastDateTime = '';
let lastAssumedUtc = false;

/** DTM text → FHIR dateTime; '' → undefined silently. `label` (e.g. `XPN.12`) prefixes warnings. */
export function toDateTime(text: string, ctx: ConvertContext, label?: string): string | undefined {
  if (text === '') return undefined;
  const zone = ctx.defaultTimezone;
  if (text === lastText && zone === lastZone) {
    if (lastAssumedUtc) ctx.assumedUtc?.();
    return lastDateTime;
  }
  const s = text.trim();
  if (!scan(s, false)) return invalid(ctx, label, 'DTM');
  if (found.digits < 10) return datePart(s);
  // a zone that resolves to nothing warns (per value): only values that did not are remembered
  const zoned = found.offset !== '' || zone === undefined || zone === '' || zoneResolver(zone) !== undefined;
  const value = datePart(s) + timePart(s, ctx);
  if (zoned) {
    lastText = text;
    lastZone = zone;
    lastDateTime = value;
    lastAssumedUtc = found.offset === '' && (zone === undefined || zone === '');
  }
  return value;
}

/** DTM/DT text → FHIR date (the date as written; time and offset dropped). */
export function toDate(text: string, ctx: ConvertContext, label?: string): string | undefined {
  if (text === '') return undefined;
  const s = text.trim();
  if (!scan(s, false)) return invalid(ctx, label, 'DTM');
  if (found.digits > 8) found.digits = 8;
  return datePart(s);
}

/** DTM text → FHIR instant, which needs a time: a date alone is refused with a warning. */
export function toInstant(text: string, ctx: ConvertContext, label?: string): string | undefined {
  if (text === '') return undefined;
  const s = text.trim();
  if (!scan(s, false)) return invalid(ctx, label, 'DTM');
  if (found.digits < 10) {
    ctx.warn(`${label ? `${label}: ` : ''}a DTM without a time cannot be an instant`);
    return undefined;
  }
  return datePart(s) + timePart(s, ctx);
}

/** TM text → FHIR time (hh:mm:ss[.fff]); FHIR time has no offset, so one sent is dropped. */
export function toTime(text: string, ctx: ConvertContext, label?: string): string | undefined {
  if (text === '') return undefined;
  const s = text.trim();
  if (!scan(s, true)) return invalid(ctx, label, 'TM');
  const d = found.digits;
  return `${s.slice(0, 2)}:${d >= 4 ? s.slice(2, 4) : '00'}:${d >= 6 ? s.slice(4, 6) : '00'}${found.fraction}`;
}

/** Start and end DTM texts → Period, or undefined when both are empty or invalid. */
export function toPeriod(startText: string, endText: string, ctx: ConvertContext, startLabel: string, endLabel: string): Period | undefined {
  if (startText === '' && endText === '') return undefined;
  const start = toDateTime(startText, ctx, startLabel);
  const end = toDateTime(endText, ctx, endLabel);
  if (start === undefined && end === undefined) return undefined;
  return start === undefined ? { end } : end === undefined ? { start } : { start, end };
}

/**
 * The period of a name, address or telecom: the effective/expiration components (XPN.12/13,
 * XAD.13/14) when either is valued, else the DR component (XPN.10, XAD.12; DR.1/DR.2 are its
 * subcomponents) — the IG's XPN.10 condition "IF XPN.12 NOT VALUED AND XPN.13 NOT VALUED".
 */
export function componentPeriod(rep: Repetition, type: string, start: number, end: number, range: number, ctx: ConvertContext): Period | undefined {
  const startText = rep.component(start);
  const endText = rep.component(end);
  if (startText !== '' || endText !== '' || range === 0) return toPeriod(startText, endText, ctx, `${type}.${start}`, `${type}.${end}`);
  return toPeriod(rep.component(range, 1), rep.component(range, 2), ctx, `${type}.${range}.1`, `${type}.${range}.2`);
}

/** DTM, or TS (TS.1 is component 1), or DT → dateTime. */
export const dateTime: Converter = (rep, ctx) => toDateTime(rep.component(1), ctx);
export const date: Converter = (rep, ctx) => toDate(rep.component(1), ctx);
export const instant: Converter = (rep, ctx) => toInstant(rep.component(1), ctx);
export const time: Converter = (rep, ctx) => toTime(rep.component(1), ctx);

/** DR → Period (IG DR[Period]: DR.1 → start, DR.2 → end; each a TS in v2.5, so TS.1 is subcomponent 1). */
export const period: Converter = (rep, ctx) => toPeriod(rep.component(1), rep.component(2), ctx, 'DR.1', 'DR.2');
