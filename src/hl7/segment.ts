/**
 * One segment of a parsed message: its name, its raw line and lazily split fields.
 *
 * Field numbering follows the standard (HL7 v2.5.1 §2.14.9): in MSH (and FHS/BHS) field 1 is
 * the field separator itself and field 2 the encoding characters, so MSH-3 is the sending
 * application although it is the second `|`-separated piece of the line. Other segments
 * number from the first piece after the name.
 */
import type { MessageContext } from './context.js';
import type { Delimiters } from './delimiters.js';
import { isHeaderSegmentName } from './delimiters.js';
import { Field } from './field.js';
import { compilePath, type Hl7Path } from './path.js';
import { piece } from './pieces.js';

const WALKS_BEFORE_SPLIT = 2;

export class Segment {
  /** three-character segment ID, e.g. `PID`, `ZPI` */
  readonly name: string;
  /** the segment's text as received, without terminator */
  readonly raw: string;
  /** 0-based position in its message, for walking groups (each OBR with its OBX…) */
  readonly index: number;
  /** @internal */
  readonly ctx: MessageContext;
  private parts: string[] | undefined;
  private fieldCache: (Field | undefined)[] | undefined;
  /** field reads served by walking the line; after a few, splitting it once is cheaper */
  private walks = 0;

  /** @internal segments are made by parseMessage / splitMessages */
  constructor(name: string, raw: string, ctx: MessageContext, index: number) {
    this.name = name;
    this.raw = raw;
    this.ctx = ctx;
    this.index = index;
  }

  get delimiters(): Delimiters {
    return this.ctx.delimiters;
  }

  /** Raw pieces, indexed by field number (index 0 is the segment name). */
  private split(): string[] {
    let p = this.parts;
    if (p === undefined) {
      const sep = this.ctx.delimiters.field;
      p = this.raw.split(sep);
      if (isHeaderSegmentName(this.name)) p.splice(1, 0, sep);
      this.parts = p;
    }
    return p;
  }

  /** Number of the last field present (trailing empty fields included as sent). */
  get fieldCount(): number {
    return this.split().length - 1;
  }

  /**
   * Raw text of field n (1-based), '' when absent. The fastest access: the first reads walk
   * the line with indexOf (a mapping often reads two fields of each OBX, and splitting all
   * ~25 fields for that costs more than the rest of the parse); later reads split it once.
   */
  fieldRaw(n: number): string {
    const p = this.parts ?? (this.walks++ < WALKS_BEFORE_SPLIT ? undefined : this.split());
    if (p !== undefined) return n >= 1 && n < p.length ? p[n] : '';
    if (n < 1) return '';
    const sep = this.ctx.delimiters.field;
    if (!isHeaderSegmentName(this.name)) return piece(this.raw, sep, n + 1);
    // MSH-1 is the separator itself, so MSH-n is the n-th piece of the line (piece 1 is "MSH").
    return n === 1 ? sep : piece(this.raw, sep, n);
  }

  /** Field n (1-based); an empty Field when absent. */
  field(n: number): Field {
    const cache = (this.fieldCache ??= []);
    let f = cache[n];
    if (f === undefined) {
      f = new Field(this.fieldRaw(n), this.ctx, this.isLiteral(n));
      if (n >= 0 && n < 1024) cache[n] = f;
    }
    return f;
  }

  /** Fields 1…fieldCount. */
  fields(): Field[] {
    const out: Field[] = [];
    for (let n = 1; n <= this.fieldCount; n++) out.push(this.field(n));
    return out;
  }

  /** MSH-1 and MSH-2 hold the delimiters themselves: they are never split or unescaped. */
  isLiteral(n: number): boolean {
    return n <= 2 && isHeaderSegmentName(this.name);
  }

  /** First value at a path relative to this segment, e.g. `OBX-5` on an OBX (see Hl7Path.get). */
  get(path: string | Hl7Path): string {
    return (typeof path === 'string' ? compilePath(path) : path).get(this);
  }

  /** All values at a path relative to this segment (see Hl7Path.getAll). */
  getAll(path: string | Hl7Path): string[] {
    return (typeof path === 'string' ? compilePath(path) : path).getAll(this);
  }

  toString(): string {
    return this.raw;
  }
}
