/**
 * DICOM paths of the mapping language (docs/mapping-language.md, "DICOM paths"):
 *
 *   StudyInstanceUID                     a keyword (PS3.6, case-sensitive)
 *   (0020,000D)  0020000D                a tag
 *   ImageType[2]                         the second value of a multi-valued attribute (1-based)
 *   ReferencedStudySequence[1].ReferencedSOPInstanceUID   an attribute of a sequence's first item
 *   OtherPatientIDsSequence.PatientID    … of every item
 *   PatientName.family                   a person name component: family, given, middle, prefix, suffix
 *   StudyDate + StudyTime                a DA and a TM read as one date-time (DT)
 *
 * Checked at load against the data dictionary: an unknown keyword (with a did-you-mean), a
 * malformed tag, a step through an attribute that is not a sequence, a name component of an
 * attribute that is not a PN, an HL7 or CSV path in a DICOM mapping. Read from the scope
 * outwards: inside `forEach: ReferencedSeriesSequence` a path is read in the item, and an
 * attribute the item lacks (PatientID) in the enclosing data set.
 */
import { dictionaryKeywords, pnAlphabetic, entryOfKeyword, entryOfTag, isPrivateTag, type DicomJson, type DicomJsonAttribute } from '../../dicom/index.js';
import { didYouMean } from '../../config/suggest.js';
import { MedibusError } from '../../errors.js';
import type { CompiledPath, Leaf, RecordScope } from '../record/types.js';

export const PN_COMPONENTS = ['family', 'given', 'middle', 'prefix', 'suffix'] as const;
export type PnComponent = (typeof PN_COMPONENTS)[number];

interface Step {
  readonly tag: string;
  /** from the dictionary; undefined for private and unknown tags */
  readonly vr: string | undefined;
  readonly name: string;
  readonly index: number | undefined;
  readonly column: number;
}

export interface ParsedPath {
  readonly steps: readonly Step[];
  readonly component: PnComponent | undefined;
}

const STEP = /^(\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)|[0-9A-Fa-f]{8}|[A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?/;
const HL7_PATH = /^[A-Z][A-Z0-9]{2}(\[\d+\])?-\d+/;

function fail(message: string, column: number): never {
  throw new MedibusError('MEDIBUS_ERR_KIND_PATH', message, { location: { column } });
}

export function parseDicomPath(text: string, columnBase = 1): ParsedPath {
  const trimmed = text.trim();
  if (trimmed === '') fail('empty DICOM path: name an attribute by keyword (StudyInstanceUID) or tag ((0020,000D))', columnBase);
  if (HL7_PATH.test(trimmed)) {
    fail(`"${trimmed}" is an HL7 v2 path; this mapping reads DICOM (input: dicom): name attributes by keyword (PatientID) or tag ((0010,0020))`, columnBase);
  }
  if (trimmed.startsWith('"') || trimmed.startsWith("'")) fail(`"${trimmed}" is a quoted CSV column; this mapping reads DICOM (input: dicom): name attributes by keyword or tag`, columnBase);
  const steps: Step[] = [];
  let component: PnComponent | undefined;
  let pos = text.length - text.trimStart().length;
  for (;;) {
    const column = columnBase + pos;
    const rest = text.slice(pos);
    const m = STEP.exec(rest);
    if (m === null) {
      if (/^\(/.test(rest)) fail(`malformed tag "${rest.split(/[.[]/)[0]}": a tag is (gggg,eeee) with 4 hex digits each, e.g. (0020,000D)`, column);
      fail(`expected a DICOM keyword or tag at "${rest}"`, column);
    }
    const [whole, name, index] = m;
    const isLast = !/^\./.test(rest.slice(whole.length));
    const lower = name as PnComponent;
    if (steps.length > 0 && PN_COMPONENTS.includes(lower) && index === undefined && isLast) {
      const prev = steps[steps.length - 1];
      if (prev.vr !== undefined && prev.vr !== 'PN') fail(`${prev.name} is ${prev.vr}, not a person name (PN): it has no ${name} component`, column);
      component = lower;
    } else {
      const prev = steps[steps.length - 1];
      if (prev?.vr === 'PN' && isLast && index === undefined && entryOfKeyword(name) === undefined) {
        fail(`${prev.name} is a person name (PN): it has no component "${name}"; components are ${PN_COMPONENTS.join(', ')}${didYouMean(name, PN_COMPONENTS)}`, column);
      }
      const step = resolveStep(name, column);
      if (index !== undefined && Number(index) < 1) fail(`${name}[${index}]: items and values count from 1`, column + name.length + 1);
      steps.push({ ...step, index: index === undefined ? undefined : Number(index), column });
    }
    pos += whole.length;
    if (pos >= text.trimEnd().length) break;
    if (text[pos] !== '.') fail(`unexpected "${text.slice(pos)}" after ${name}: steps are joined with . (ReferencedSeriesSequence[1].SeriesInstanceUID)`, columnBase + pos);
    pos += 1;
  }
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i];
    if (s.vr !== undefined && s.vr !== 'SQ') fail(`${s.name} is ${s.vr}, not a sequence (SQ): it has no items to read ${steps[i + 1].name} from`, steps[i + 1].column);
  }
  return { steps, component };
}

function resolveStep(name: string, column: number): { tag: string; vr: string | undefined; name: string } {
  const tagForm = /^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)$/.exec(name) ?? /^([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})$/.exec(name);
  if (tagForm !== null) {
    const tag = `${tagForm[1]}${tagForm[2]}`.toUpperCase();
    const entry = isPrivateTag(tag) ? undefined : entryOfTag(tag);
    return { tag, vr: entry?.vr, name: entry?.keyword ?? name };
  }
  const entry = entryOfKeyword(name);
  if (entry === undefined) fail(`unknown DICOM keyword "${name}" (PS3.6 data dictionary; keywords are case-sensitive)${didYouMean(name, dictionaryKeywords())}`, column);
  return { tag: entry.tag, vr: entry.vr, name };
}

/** The attribute a tag names, in the nearest scope (the item, then the enclosing items, then the data set) that has it. */
function attributeInScope(scope: RecordScope, tag: string): DicomJsonAttribute | undefined {
  for (let s: RecordScope | undefined = scope; s !== undefined; s = s.parent) {
    const found = (s.node as DicomJson)[tag];
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The items (data sets) a sequence path reaches from a scope. */
export function readItems(path: ParsedPath, scope: RecordScope): DicomJson[] {
  let sets: DicomJson[] = [];
  const first = path.steps[0];
  const attr = attributeInScope(scope, first.tag);
  if (attr === undefined) return [];
  sets = pick(attr.Value ?? [], first.index) as DicomJson[];
  for (const step of path.steps.slice(1)) {
    const next: DicomJson[] = [];
    for (const set of sets) {
      const a = typeof set === 'object' && set !== null ? set[step.tag] : undefined;
      if (a !== undefined) next.push(...(pick(a.Value ?? [], step.index) as DicomJson[]));
    }
    sets = next;
  }
  return sets.filter((s) => typeof s === 'object' && s !== null);
}

function pick(values: readonly unknown[], index: number | undefined): unknown[] {
  if (index === undefined) return values.slice();
  const v = values[index - 1];
  return v === undefined ? [] : [v];
}

export function compileDicomPath(text: string): CompiledPath {
  const plus = splitPlus(text);
  if (plus !== undefined) return compileDateTime(text, plus);
  const path = parseDicomPath(text);
  const last = path.steps[path.steps.length - 1];
  if (last.vr === 'SQ') fail(`${last.name} is a sequence: read an attribute of its items (${last.name}[1].…), or iterate with forEach: ${last.name}`, last.column);
  const parents: ParsedPath = { steps: path.steps.slice(0, -1), component: undefined };
  return {
    text,
    read(scope, out) {
      const sets = parents.steps.length === 0 ? undefined : readItems(parents, scope);
      const attrs: DicomJsonAttribute[] = [];
      if (sets === undefined) {
        const a = attributeInScope(scope, last.tag);
        if (a !== undefined) attrs.push(a);
      } else {
        for (const set of sets) if (set[last.tag] !== undefined) attrs.push(set[last.tag] as DicomJsonAttribute);
      }
      for (const attr of attrs) {
        for (const value of pick(attr.Value ?? [], last.index)) {
          if (value === null || value === undefined || value === '') continue;
          out.push(path.component === undefined ? { vr: attr.vr, value } : { vr: 'PN-component', value: pnComponent(value, path.component) });
        }
      }
    },
  };
}

/** `StudyDate + StudyTime`: [date part, time part] with their columns; undefined for a single path. */
function splitPlus(text: string): [string, string, number] | undefined {
  const at = text.indexOf('+');
  if (at < 0) return undefined;
  return [text.slice(0, at), text.slice(at + 1), at + 2];
}

function compileDateTime(text: string, [left, right, rightColumn]: [string, string, number]): CompiledPath {
  const date = parseDicomPath(left);
  const time = parseDicomPath(right, rightColumn);
  const d = date.steps[date.steps.length - 1];
  const t = time.steps[time.steps.length - 1];
  if (d.vr !== undefined && d.vr !== 'DA') fail(`${d.name} is ${d.vr}, not a date (DA): a date + time pair is a DA + a TM (StudyDate + StudyTime)`, d.column);
  if (t.vr !== undefined && t.vr !== 'TM') fail(`${t.name} is ${t.vr}, not a time (TM): a date + time pair is a DA + a TM (StudyDate + StudyTime)`, t.column);
  const dp = compileDicomPath(left);
  const tp = compileDicomPath(right);
  return {
    text,
    read(scope, out) {
      const ds: Leaf[] = [];
      const ts: Leaf[] = [];
      dp.read(scope, ds);
      tp.read(scope, ts);
      const day = ds[0]?.value;
      if (typeof day !== 'string' || day.trim() === '') return;
      const clock = ts[0]?.value;
      // a date without its time is still a date (PS3.3 makes StudyTime type 2: may be empty)
      out.push(typeof clock === 'string' && clock.trim() !== '' ? { vr: 'DT', value: day.trim() + clock.trim().replace(/:/g, '') } : { vr: 'DA', value: day });
    },
  };
}

/** A component of a PN value's Alphabetic group (PS3.5 §6.2.1.1: family^given^middle^prefix^suffix). */
function pnComponent(value: unknown, component: PnComponent): string {
  const alphabetic = typeof value === 'object' && value !== null ? pnAlphabetic(value) : String(value);
  return (alphabetic.split('^')[PN_COMPONENTS.indexOf(component)] ?? '').trim();
}
