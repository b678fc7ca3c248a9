/**
 * UTC offsets for DTM values sent without one. FHIR requires an offset on every dateTime that
 * has a time (R4 §2.24.0.1 dateTime), HL7 v2.5.1 §2.A.22 makes it optional and says a value
 * without one is in the sender's local time: the channel tells medibus that zone.
 *
 * A zone is an IANA name (`Asia/Ho_Chi_Minh`, `Europe/Paris`: the offset in force at that
 * wall-clock time, DST included) or a fixed offset (`+07:00`, `+0700`, `Z`, `UTC`).
 * Wall-clock times that do not exist (spring-forward gap) or exist twice (fall-back) are
 * resolved like Temporal's `disambiguation: 'compatible'`: a time in the gap takes the offset
 * in force before the change (02:30 in Paris on 2024-03-31 → 02:30+01:00, i.e. 03:30 CEST),
 * a repeated time the earlier of its two instants (02:30 on 2024-10-27 → +02:00).
 */

/** Offset in minutes east of UTC for a wall-clock time (month 1-based). */
export type ZoneResolver = (year: number, month: number, day: number, hour: number, minute: number, second: number) => number;

const FIXED = /^(?:Z|UTC|GMT|([+-])(\d{2}):?(\d{2}))$/;
const DAY_MS = 86_400_000;
const BUCKET_MS = 900_000; // offsets change at most once per quarter hour in every tz database zone
const MAX_CACHE = 8192;

const resolvers = new Map<string, ZoneResolver | null>();

/** The resolver for a zone, built once per distinct string; undefined when the name is not a zone or offset. */
export function zoneResolver(zone: string): ZoneResolver | undefined {
  let r = resolvers.get(zone);
  if (r === undefined) {
    r = buildResolver(zone);
    resolvers.set(zone, r);
  }
  return r ?? undefined;
}

/** For config validation: does medibus understand this `defaultTimezone`? */
export function isValidTimezone(zone: string): boolean {
  return zoneResolver(zone) !== undefined;
}

function buildResolver(zone: string): ZoneResolver | null {
  const fixed = FIXED.exec(zone);
  if (fixed) {
    if (fixed[1] === undefined) return () => 0;
    const minutes = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
    return Math.abs(minutes) > 14 * 60 ? null : () => minutes;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null; // RangeError: not an IANA zone
  }
  const offsetAt = cachedOffsets(format);
  return (year, month, day, hour, minute, second) => {
    const local = Date.UTC(year, month - 1, day, hour, minute, second);
    const before = offsetAt(local - DAY_MS);
    const after = offsetAt(local + DAY_MS);
    if (before === after) return before;
    // A transition lies within a day of this wall-clock time: try both offsets.
    const atBefore = local - before * 60_000;
    const atAfter = local - after * 60_000;
    const beforeFits = offsetAt(atBefore) === before;
    const afterFits = offsetAt(atAfter) === after;
    if (beforeFits && afterFits) return atBefore <= atAfter ? before : after; // repeated: earlier instant
    if (afterFits) return after;
    return before; // fits, or the gap: keep the offset in force before the change
  };
}

/** Offset (minutes) at a UTC instant, cached per quarter hour: a message's times cluster. */
function cachedOffsets(format: Intl.DateTimeFormat): (utcMs: number) => number {
  const cache = new Map<number, number>();
  const exact = (utcMs: number): number => {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of format.formatToParts(utcMs)) {
      // The other part types (literal, era, weekday …) do not enter the offset; the list grows with the lib.
      // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    // Local mean time offsets have seconds (Paris before 1911: +00:09:21); FHIR offsets have minutes.
    return Math.round((Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(utcMs / 1000) * 1000) / 60_000);
  };
  return (utcMs) => {
    const bucket = Math.floor(utcMs / BUCKET_MS);
    const hit = cache.get(bucket);
    if (hit !== undefined) return hit;
    const start = exact(bucket * BUCKET_MS);
    if (exact(bucket * BUCKET_MS + BUCKET_MS - 1) !== start) return exact(utcMs); // a change inside the bucket
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(bucket, start);
    return start;
  };
}

const offsetTexts = new Map<number, string>();

/** `+07:00`, `-05:00`, `+00:00` (FHIR writes offsets with a colon; `Z` is also allowed but +00:00 keeps them uniform). */
export function formatOffset(minutes: number): string {
  let text = offsetTexts.get(minutes);
  if (text === undefined) {
    const abs = Math.abs(minutes);
    text = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    offsetTexts.set(minutes, text);
  }
  return text;
}
