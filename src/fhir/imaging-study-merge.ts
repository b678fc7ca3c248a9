/**
 * The merge of two ImagingStudy resources of one DICOM study (docs/dicom-study-merge.md).
 *
 * A DICOM study reaches medibus one object per message: each message's ImagingStudy holds
 * the one series and the one instance it saw. The study on the server is the union of all of
 * them, so the merge is a join of a semilattice: commutative, associative and idempotent —
 * merge(a, b) and merge(b, a) hold the same series and instances in the same order, and
 * merging what is already there changes nothing. That is what makes the order of arrival
 * and redelivery irrelevant.
 *
 *  - series are keyed by `series.uid` (DICOM SeriesInstanceUID), instances by `instance.uid`
 *    (SOPInstanceUID): the union of both sides, sorted by number then UID;
 *  - `numberOfSeries`, `numberOfInstances` and each `series.numberOfInstances` are counted
 *    from what is held (R4 imagingstudy.html: "Number of … in Study/Series");
 *  - `started` (study and series) is the earliest of both sides;
 *  - arrays elsewhere (identifier, modality, basedOn, …) are the union by value; any other
 *    element is kept from the stored side and filled from the incoming one when missing.
 *
 * The stored side wins where both have a value: what the server holds has already had its
 * references resolved, and the first writer's `status` or `description` is not overwritten
 * by an object that happened to arrive later.
 */
import type { ImagingStudy, ImagingStudySeries, ImagingStudySeriesInstance } from '@medplum/fhirtypes';
import { isRecord } from '../util/objects.js';

/** The identifier system for a DICOM UID in FHIR R4 (imagingstudy.html: identifier `urn:dicom:uid` | `urn:oid:<uid>`), as the shipped dicom-imagingstudy mapping writes it */
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';
/** what earlier medibus versions wrote (a misspelt urn:ietf:rfc:3986): still found, for studies stored then */
const OLD_DICOM_UID_SYSTEM = 'urn:dietf:rfc:3986';

/** the elements the merge computes; everything else is filled when missing */
const COMPUTED_STUDY = new Set(['resourceType', 'id', 'meta', 'series', 'numberOfSeries', 'numberOfInstances', 'started']);
const COMPUTED_SERIES = new Set(['uid', 'instance', 'numberOfInstances', 'started']);
const COMPUTED_INSTANCE = new Set(['uid']);

/**
 * `stored` (the server's version, or undefined when there is none) joined with `incoming`.
 * The result keeps `stored`'s id and meta; counts are always recomputed, so merging a study
 * with nothing new still gives correct counts.
 */
export function mergeImagingStudy(stored: ImagingStudy | undefined, incoming: ImagingStudy): ImagingStudy {
  const base = stored ?? incoming;
  const other = stored === undefined ? undefined : incoming;
  const merged = fillMissing(base as unknown as Record<string, unknown>, other as unknown as Record<string, unknown> | undefined, COMPUTED_STUDY) as unknown as ImagingStudy;
  const series = mergeByUid(base.series ?? [], other?.series ?? [], mergeSeries);
  const started = earliest(base.started, other?.started);
  const result: ImagingStudy = {
    ...merged,
    resourceType: 'ImagingStudy',
    ...(started === undefined ? {} : { started }),
    numberOfSeries: series.length,
    numberOfInstances: series.reduce((n, s) => n + (s.instance?.length ?? 0), 0),
    ...(series.length === 0 ? {} : { series }),
  };
  if (stored?.id !== undefined) result.id = stored.id;
  if (stored?.meta !== undefined) result.meta = stored.meta;
  return result;
}

/** merging one more series object into a study never removes anything: a (series, instance) count */
export function studyContents(study: ImagingStudy): { readonly series: number; readonly instances: number } {
  return { series: study.series?.length ?? 0, instances: (study.series ?? []).reduce((n, s) => n + (s.instance?.length ?? 0), 0) };
}

/**
 * Whether two versions hold the same content, whatever the order of their object keys;
 * `meta` (versionId, lastUpdated) is the server's and left out.
 */
export function sameStudy(a: ImagingStudy, b: ImagingStudy): boolean {
  const { meta: _a, ...left } = a;
  const { meta: _b, ...right } = b;
  return canonical(left) === canonical(right);
}

/**
 * The identifier the study is found by: the DICOM StudyInstanceUID (`urn:dicom:uid`, or the older `urn:dietf:rfc:3986`,
 * `urn:oid:<uid>`) when the ImagingStudy has one, else its first identifier with a system and
 * a value. Undefined when there is none: such a study cannot be merged.
 */
export function studyIdentifier(study: ImagingStudy): { readonly system: string; readonly value: string } | undefined {
  const identifiers = (study.identifier ?? []).filter((i) => typeof i.system === 'string' && i.system !== '' && typeof i.value === 'string' && i.value !== '');
  const chosen = identifiers.find((i) => i.system === DICOM_UID_SYSTEM) ?? identifiers.find((i) => i.system === OLD_DICOM_UID_SYSTEM) ?? identifiers[0];
  return chosen === undefined ? undefined : { system: chosen.system as string, value: chosen.value as string };
}

function mergeSeries(stored: ImagingStudySeries, incoming: ImagingStudySeries): ImagingStudySeries {
  const merged = fillMissing(stored as unknown as Record<string, unknown>, incoming as unknown as Record<string, unknown>, COMPUTED_SERIES) as unknown as ImagingStudySeries;
  const instance = mergeByUid(stored.instance ?? [], incoming.instance ?? [], mergeInstance);
  const started = earliest(stored.started, incoming.started);
  return {
    ...merged,
    uid: stored.uid,
    ...(started === undefined ? {} : { started }),
    numberOfInstances: instance.length,
    ...(instance.length === 0 ? {} : { instance }),
  };
}

function mergeInstance(stored: ImagingStudySeriesInstance, incoming: ImagingStudySeriesInstance): ImagingStudySeriesInstance {
  return { ...(fillMissing(stored as unknown as Record<string, unknown>, incoming as unknown as Record<string, unknown>, COMPUTED_INSTANCE) as unknown as ImagingStudySeriesInstance), uid: stored.uid };
}

interface HasUid {
  readonly uid: string;
  readonly number?: number;
}

/**
 * Union keyed by uid, each key merged once (a side that holds a uid twice, which a hand-made
 * resource could, is folded into one); sorted by number then uid, so the result does not
 * depend on which side held what.
 */
function mergeByUid<T extends HasUid>(stored: readonly T[], incoming: readonly T[], merge: (a: T, b: T) => T): T[] {
  const byUid = new Map<string, T>();
  for (const item of [...stored, ...incoming]) {
    const held = byUid.get(item.uid);
    byUid.set(item.uid, held === undefined ? merge(item, item) : merge(held, item));
  }
  return [...byUid.values()].sort(byNumberThenUid);
}

function byNumberThenUid(a: HasUid, b: HasUid): number {
  const na = a.number ?? Number.MAX_SAFE_INTEGER;
  const nb = b.number ?? Number.MAX_SAFE_INTEGER;
  if (na !== nb) return na - nb;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

/**
 * `base` with the elements `other` has and `base` lacks; arrays are the union by value (in
 * canonical order, so both sides give the same array). Keys in `computed` are left to the caller.
 */
function fillMissing(base: Record<string, unknown>, other: Record<string, unknown> | undefined, computed: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(base), ...Object.keys(other ?? {})]);
  for (const key of [...keys].sort()) {
    if (computed.has(key)) continue;
    const mine = base[key];
    const theirs = other?.[key];
    if (Array.isArray(mine) && Array.isArray(theirs)) out[key] = unionByValue(mine, theirs);
    else if (Array.isArray(mine)) out[key] = unionByValue(mine, []);
    else if (mine !== undefined) out[key] = mine;
    else if (Array.isArray(theirs)) out[key] = unionByValue(theirs, []);
    else if (theirs !== undefined) out[key] = theirs;
  }
  return out;
}

function unionByValue(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const item of [...a, ...b]) {
    const key = canonical(item);
    if (!seen.has(key)) seen.set(key, item);
  }
  return [...seen.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, item]) => item);
}

/**
 * The earliest of two FHIR dateTimes. Instants compare as instants; a value without a time
 * (a date, `2024-03`) is compared by its text, which orders partial dates correctly.
 */
function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const ta = a.length > 10 ? Date.parse(a) : Number.NaN;
  const tb = b.length > 10 ? Date.parse(b) : Number.NaN;
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta < tb ? a : b;
  return a <= b ? a : b;
}

/** JSON with object keys sorted: equal for equal content */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
