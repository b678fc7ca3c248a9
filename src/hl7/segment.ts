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

export class Segment {
  /** three-character segment ID, e.g. `PID`, `ZPI` */
  readonly name: string;
  /** the segment's text as received, without terminator */
  readonly raw: string;
  /** 0-based position in its message, for walking groups (each OBR with its OBX…) */
  readonly index: number;
  /** @internal */
  readonly ctx: MessageContext;
  /** MSH, FHS, BHS: field 1 is the separator itself, so field n is piece n of the line, not n + 1 */
  private readonly header: boolean;
  /**
   * Where the pieces of the line found so far are: piece k (0 is the segment name) runs from
   * cuts[k] + 1 to cuts[k + 1]. Filled as far as reads need (a mapping that reads OBX-3 and
   * OBX-5 never looks at the rest of the line), with positions only: a field's text is cut
   * when it is read, and kept in `texts`.
   */
  private readonly cuts: number[] = [-1];
  /** whether `cuts` ends with the end of the line */
  private indexed = false;
  private texts: (string | undefined)[] | undefined;
  private fieldCache: (Field | undefined)[] | undefined;

  /** @internal segments are made by parseMessage / splitMessages */
  constructor(name: string, raw: string, ctx: MessageContext, index: number) {
    this.name = name;
    this.raw = raw;
    this.ctx = ctx;
    this.index = index;
    this.header = isHeaderSegmentName(name);
  }

  get delimiters(): Delimiters {
    return this.ctx.delimiters;
  }

  /** Finds separators (indexOf, from the last one found) until piece k is known or the line ends. */
  private indexTo(k: number): void {
    const cuts = this.cuts;
    const raw = this.raw;
    const sep = this.ctx.delimiters.field;
    while (cuts.length <= k + 1) {
      const j = raw.indexOf(sep, cuts[cuts.length - 1] + 1);
      if (j < 0) {
        cuts.push(raw.length);
        this.indexed = true;
        return;
      }
      cuts.push(j);
    }
  }

  /** Number of the last field present (trailing empty fields included as sent). */
  get fieldCount(): number {
    if (!this.indexed) this.indexTo(Number.MAX_SAFE_INTEGER);
    const pieces = this.cuts.length - 1;
    return this.header ? pieces : pieces - 1;
  }

  /**
   * Raw text of field n (1-based), '' when absent. The line is indexed only as far as the
   * field (see `cuts`), and each field's text is cut once.
   */
  fieldRaw(n: number): string {
    if (n < 1) return '';
    // MSH-1 is the separator itself, so MSH-n is the n-th piece of the line (piece 1 is "MSH").
    if (this.header && n === 1) return this.ctx.delimiters.field;
    const k = this.header ? n - 1 : n;
    const cuts = this.cuts;
    if (k + 1 >= cuts.length) {
      if (this.indexed) return '';
      this.indexTo(k);
      if (k + 1 >= cuts.length) return '';
    }
    const texts = (this.texts ??= []);
    let text = texts[k];
    if (text === undefined) {
      text = this.raw.slice(cuts[k] + 1, cuts[k + 1]);
      texts[k] = text;
    }
    return text;
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
    return n <= 2 && this.header;
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
