/**
 * Dates and times as DICOM (DA, TM, DT: PS3.5 §6.2) and CSV exports write them, to FHIR's
 * `date`, `dateTime`, `instant` and `time` (R4 §2.24.0.1). Precision is kept (a DT of
 * `2004` is the date `2004`); FHIR wants seconds once a time is given, so `1430` is
 * `14:30:00`. A time without offset takes the payload's (DICOM TimezoneOffsetFromUTC), else
 * the channel's (transform.timezone), else UTC with a warning.
 */
import type { LeafContext } from './types.js';

const COMPACT = /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?)?([+-]\d{4})?$/;
const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

interface Parts {
  y: string;
  mo?: string | undefined;
  d?: string | undefined;
  h?: string | undefined;
  mi?: string | undefined;
  s?: string | undefined;
  f?: string | undefined;
  z?: string | undefined;
}

function parse(text: string): Parts | undefined {
  const t = text.trim();
  const iso = ISO.exec(t);
  if (iso !== null && (t.includes('-') || t.length === 4)) return { y: iso[1], mo: iso[2], d: iso[3], h: iso[4], mi: iso[5], s: iso[6], f: iso[7], z: iso[8] };
  const c = COMPACT.exec(t.replace(/:/g, ''));
  if (c === null) return undefined;
  return { y: c[1], mo: c[2], d: c[3], h: c[4], mi: c[5], s: c[6], f: c[7], z: c[8] };
}

function valid(p: Parts): boolean {
  const mo = p.mo === undefined ? 1 : Number(p.mo);
  const d = p.d === undefined ? 1 : Number(p.d);
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(Number(p.y), mo, 0)).getUTCDate()) return false;
  if (p.h !== undefined && (Number(p.h) > 23 || Number(p.mi ?? 0) > 59 || Number(p.s ?? 0) > 60)) return false;
  return true;
}

function offsetText(z: string): string {
  if (z === 'Z') return 'Z';
  const digits = z.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.slice(3)}`;
}

/** `20040119`, `2004-01-19`, `200401`, `2004` → the FHIR date at that precision; undefined when not a date. */
export function dateText(text: string): string | undefined {
  const p = parse(text);
  if (p === undefined || !valid(p)) return undefined;
  return [p.y, p.mo, p.mo === undefined ? undefined : p.d].filter((x) => x !== undefined).join('-');
}

/** A DT (or DA + TM, or an ISO date-time) → FHIR dateTime (or instant, which needs seconds and a day). */
export function dateTimeText(text: string, cx: LeafContext, instant: boolean): string | undefined {
  const p = parse(text);
  if (p === undefined || !valid(p)) return undefined;
  const date = dateText(text);
  if (p.h === undefined || p.d === undefined) return instant ? undefined : date;
  const seconds = p.s ?? '00';
  const zone = p.z !== undefined ? offsetText(p.z) : cx.offsetFor(Number(p.y), Number(p.mo), Number(p.d), Number(p.h), Number(p.mi ?? 0), Number(seconds));
  return `${date}T${p.h}:${p.mi ?? '00'}:${seconds}${p.f ?? ''}${zone ?? '+00:00'}`;
}

/** TM `143005.123`, `1430`, `14:30:05` → FHIR time `14:30:05.123`. */
export function timeText(text: string): string | undefined {
  const m = /^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$/.exec(text.trim().replace(/:/g, ''));
  if (m === null || Number(m[1]) > 23 || Number(m[2] ?? 0) > 59 || Number(m[3] ?? 0) > 60) return undefined;
  return `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}${m[4] ?? ''}`;
}
