/**
 * HL7 paths: `PID-3`, `PID-3[2]`, `PID-3[2].1`, `PID-5.1.1`, `OBX[3]-5`, `MSH-9.2`.
 *
 *   SEG [ '[' occurrence ']' ] '-' field [ '[' repetition ']' ] [ '.' component [ '.' subcomponent ] ]
 *
 * All numbers are 1-based. A path is compiled once (compilePath) and evaluated many times,
 * against a message or against one segment ("the current OBX"); evaluating reads raw text with
 * indexOf walks and allocates only the result.
 */
import { MedibusError } from '../errors.js';
import { isHeaderSegmentName } from './delimiters.js';
import { piece } from './pieces.js';
import type { Segment } from './segment.js';

/** What a path can be evaluated against: a message (anything that finds segments) or a segment. */
export interface SegmentSource {
  segment(name: string, occurrence?: number): Segment | undefined;
  segmentsNamed(name: string): readonly Segment[];
}

export type PathTarget = SegmentSource | Segment;

/** absent: not valued (`||`); null: the HL7 null `""` ("delete", v2.5.1 §2.5.3); present: a value */
export type Presence = 'absent' | 'null' | 'present';

export interface Hl7Path {
  /** canonical text of the path */
  readonly text: string;
  readonly segment: string;
  readonly occurrence: number | undefined;
  readonly field: number;
  readonly repetition: number | undefined;
  readonly component: number | undefined;
  readonly subcomponent: number | undefined;
  /**
   * The first value, unescaped; '' when absent or HL7 null. A path that stops above the
   * subcomponent level reads the first component/subcomponent below it (so `PID-5` is the
   * family name, like `PID-5.1.1`); use raw() for the whole structured text.
   */
  get(target: PathTarget): string;
  /**
   * Every value: for each matching segment (all occurrences unless the path names one) and each
   * repetition (all unless the path names one), the value as get() reads it. Repetitions that
   * exist but are empty give ''; empty fields give nothing.
   */
  getAll(target: PathTarget): string[];
  /** The raw text addressed (first occurrence), structure and escapes kept; '' when absent. */
  raw(target: PathTarget): string;
  /** Whether the addressed element is absent, HL7 null or valued (for the v2-to-FHIR IG's rules). */
  presence(target: PathTarget): Presence;
}

class CompiledPath implements Hl7Path {
  readonly text: string;
  private readonly comp: number;
  private readonly sub: number;
  private readonly literal: boolean;

  constructor(
    readonly segment: string,
    readonly occurrence: number | undefined,
    readonly field: number,
    readonly repetition: number | undefined,
    readonly component: number | undefined,
    readonly subcomponent: number | undefined,
  ) {
    this.comp = component ?? 1;
    this.sub = subcomponent ?? 1;
    this.literal = field <= 2 && isHeaderSegmentName(segment);
    this.text =
      segment +
      (occurrence === undefined ? '' : `[${occurrence}]`) +
      `-${field}` +
      (repetition === undefined ? '' : `[${repetition}]`) +
      (component === undefined ? '' : `.${component}`) +
      (subcomponent === undefined ? '' : `.${subcomponent}`);
  }

  get(target: PathTarget): string {
    const seg = this.one(target);
    if (seg === undefined) return '';
    const raw = seg.fieldRaw(this.field);
    if (raw === '') return '';
    if (this.literal) return (this.repetition ?? 1) === 1 ? this.leaf(seg, raw) : '';
    return this.leaf(seg, piece(raw, seg.ctx.delimiters.repetition, this.repetition ?? 1));
  }

  getAll(target: PathTarget): string[] {
    const out: string[] = [];
    if ('fieldRaw' in target) {
      this.collect(this.check(target), out);
    } else if (this.occurrence !== undefined) {
      const seg = target.segment(this.segment, this.occurrence);
      if (seg !== undefined) this.collect(seg, out);
    } else {
      const segs = target.segmentsNamed(this.segment);
      for (let i = 0; i < segs.length; i++) this.collect(segs[i], out);
    }
    return out;
  }

  raw(target: PathTarget): string {
    const seg = this.one(target);
    if (seg === undefined) return '';
    let v = seg.fieldRaw(this.field);
    if (this.literal || (this.repetition === undefined && this.component === undefined)) return v;
    const d = seg.ctx.delimiters;
    v = piece(v, d.repetition, this.repetition ?? 1);
    if (this.component !== undefined) v = piece(v, d.component, this.component);
    if (this.subcomponent !== undefined) v = piece(v, d.subcomponent, this.subcomponent);
    return v;
  }

  presence(target: PathTarget): Presence {
    const v = this.raw(target);
    return v === '' ? 'absent' : v === '""' ? 'null' : 'present';
  }

  toString(): string {
    return this.text;
  }

  private collect(seg: Segment, out: string[]): void {
    const raw = seg.fieldRaw(this.field);
    if (raw === '') return;
    const sep = seg.ctx.delimiters.repetition;
    if (this.literal || sep === '') {
      if ((this.repetition ?? 1) === 1) out.push(this.leaf(seg, raw));
      return;
    }
    if (this.repetition !== undefined) {
      const rep = this.repetition;
      let start = 0;
      for (let i = 1; i < rep; i++) {
        const j = raw.indexOf(sep, start);
        if (j < 0) return; // fewer repetitions than asked for
        start = j + 1;
      }
      const end = raw.indexOf(sep, start);
      out.push(this.leaf(seg, end < 0 ? raw.slice(start) : raw.slice(start, end)));
      return;
    }
    let start = 0;
    for (;;) {
      const end = raw.indexOf(sep, start);
      out.push(this.leaf(seg, end < 0 ? raw.slice(start) : raw.slice(start, end)));
      if (end < 0) return;
      start = end + 1;
    }
  }

  /** The component/subcomponent of one repetition's raw text, as text. */
  private leaf(seg: Segment, rep: string): string {
    if (this.literal) return this.comp === 1 && this.sub === 1 ? rep : '';
    const d = seg.ctx.delimiters;
    const v = piece(piece(rep, d.component, this.comp), d.subcomponent, this.sub);
    return seg.ctx.text(v);
  }

  private one(target: PathTarget): Segment | undefined {
    if ('fieldRaw' in target) return this.check(target);
    return target.segment(this.segment, this.occurrence ?? 1);
  }

  /** Evaluating `PID-3` on an OBX is a mapping bug; say so instead of returning ''. */
  private check(seg: Segment): Segment {
    if (seg.name !== this.segment || this.occurrence !== undefined) {
      throw new MedibusError(
        'MEDIBUS_ERR_HL7_PATH',
        this.occurrence !== undefined
          ? `path ${this.text} names a segment occurrence and cannot be evaluated on one segment (${seg.name})`
          : `path ${this.text} names segment ${this.segment} but was evaluated on a ${seg.name} segment`,
        { location: { segment: seg.name, field: this.field } },
      );
    }
    return seg;
  }
}

const cache = new Map<string, Hl7Path>();
const CACHE_LIMIT = 4096;

/** Parses a path once; the result is cached, so calling this per message is cheap too. */
export function compilePath(path: string): Hl7Path {
  let compiled = cache.get(path);
  if (compiled === undefined) {
    compiled = parsePath(path);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, compiled);
  }
  return compiled;
}

function parsePath(path: string): Hl7Path {
  let pos = 0;
  const fail = (expected: string): never => {
    const found = pos < path.length ? `"${path[pos]}"` : 'the end';
    throw new MedibusError(
      'MEDIBUS_ERR_HL7_PATH',
      `invalid HL7 path "${path}": expected ${expected} at position ${pos + 1}, found ${found}`,
      { location: { column: pos + 1 } },
    );
  };
  const isUpper = (c: number): boolean => c >= 65 && c <= 90;
  const isDigit = (c: number): boolean => c >= 48 && c <= 57;
  const number = (what: string): number => {
    const start = pos;
    while (pos < path.length && isDigit(path.charCodeAt(pos))) pos++;
    if (pos === start) return fail(what);
    const n = Number(path.slice(start, pos));
    if (n < 1) {
      pos = start;
      return fail(`${what} of at least 1 (numbers are 1-based)`);
    }
    return n;
  };
  const bracketed = (what: string): number | undefined => {
    if (path[pos] !== '[') return undefined;
    pos++;
    const n = number(what);
    if (path[pos] !== ']') fail('"]"');
    pos++;
    return n;
  };

  if (!isUpper(path.charCodeAt(0))) fail('a segment name (3 upper-case letters or digits)');
  for (pos = 1; pos < 3; pos++) {
    const c = path.charCodeAt(pos);
    if (!isUpper(c) && !isDigit(c)) fail('a segment name (3 upper-case letters or digits)');
  }
  const segment = path.slice(0, 3);
  const occurrence = bracketed('a segment occurrence');
  if (path[pos] !== '-') fail('"-" and a field number');
  pos++;
  const field = number('a field number');
  const repetition = bracketed('a repetition number');
  let component: number | undefined;
  let subcomponent: number | undefined;
  if (path[pos] === '.') {
    pos++;
    component = number('a component number');
    if (path[pos] === '.') {
      pos++;
      subcomponent = number('a subcomponent number');
    }
  }
  if (pos < path.length) fail(component === undefined ? '"[", "." or the end' : subcomponent === undefined ? '"." or the end' : 'the end');
  return new CompiledPath(segment, occurrence, field, repetition, component, subcomponent);
}
