/**
 * A field and its repetitions, components and subcomponents (HL7 v2.5.1 §2.5.3–2.5.5).
 *
 * A Field is a thin view over the raw text of one field; splitting happens on demand and is
 * cached. Text accessors return unescaped values; `raw` accessors return the text as sent.
 *
 * Empty vs null (§2.5.3): an empty field (`||`) is "not present" — the receiver keeps what it
 * has; the HL7 null `""` means "delete the value" (the v2-to-FHIR IG maps it to removing the
 * element). Both read as '' through the text accessors; `isEmpty` and `isNull` tell them apart.
 */
import type { MessageContext } from './context.js';
import { piece, pieces } from './pieces.js';

export const HL7_NULL = '""';

export class Repetition {
  private comps: string[] | undefined;
  /** whether the text holds no subcomponent separator and no escape character (see component) */
  private plain: boolean | undefined;

  /** @internal literal: MSH-1/MSH-2, which hold delimiters and have no inner structure */
  constructor(
    readonly raw: string,
    private readonly ctx: MessageContext,
    private readonly literal = false,
  ) {}

  get isEmpty(): boolean {
    return this.raw === '';
  }

  get isNull(): boolean {
    return this.raw === HL7_NULL;
  }

  /** Component 1, subcomponent 1, unescaped: the "primary" value of the repetition. */
  get value(): string {
    return this.component(1, 1);
  }

  get componentCount(): number {
    if (this.literal || this.ctx.delimiters.component === '') return this.raw === '' ? 0 : 1;
    return this.splitComponents().length;
  }

  /** Raw text of component c (1-based), '' when absent. */
  componentRaw(c: number): string {
    // literal, or read in a context without components (a text known to have none)
    if (this.literal || this.ctx.delimiters.component === '') return c === 1 ? this.raw : '';
    const comps = this.splitComponents();
    return c >= 1 && c <= comps.length ? comps[c - 1] : '';
  }

  /** The components' raw texts, split once. */
  private splitComponents(): string[] {
    return (this.comps ??= pieces(this.raw, this.ctx.delimiters.component));
  }

  /** Subcomponent s (default 1) of component c, unescaped; '' when absent or null. */
  component(c: number, s = 1): string {
    const comp = this.componentRaw(c);
    if (this.literal) return s === 1 ? comp : '';
    // A datatype conversion reads a dozen components of one repetition (a CWE: 1, 2, 3, 7,
    // 4 …): when the text has neither subcomponents nor escapes, which is most of the time,
    // the components are the values, found without a walk per read.
    if (this.isPlain()) return s !== 1 || comp === HL7_NULL ? '' : comp;
    return this.ctx.text(piece(comp, this.ctx.delimiters.subcomponent, s));
  }

  private isPlain(): boolean {
    let plain = this.plain;
    if (plain === undefined) {
      const { subcomponent, escape } = this.ctx.delimiters;
      plain = (subcomponent === '' || this.raw.indexOf(subcomponent) < 0) && (escape === '' || this.raw.indexOf(escape) < 0);
      this.plain = plain;
    }
    return plain;
  }

  /** Every component's first subcomponent, unescaped (index 0 is component 1). */
  components(): string[] {
    const n = this.componentCount;
    const out = new Array<string>(n);
    for (let c = 1; c <= n; c++) out[c - 1] = this.component(c, 1);
    return out;
  }

  /** Every subcomponent of component c, unescaped. */
  subcomponents(c: number): string[] {
    const comp = this.componentRaw(c);
    if (this.literal) return comp === '' ? [] : [comp];
    return pieces(comp, this.ctx.delimiters.subcomponent).map((s) => this.ctx.text(s));
  }

  toString(): string {
    return this.raw;
  }
}

export class Field {
  private reps: Repetition[] | undefined;

  /** @internal use Segment.field(n) */
  constructor(
    readonly raw: string,
    private readonly ctx: MessageContext,
    private readonly literal = false,
  ) {}

  /** True when the field is not valued at all (`||`). */
  get isEmpty(): boolean {
    return this.raw === '';
  }

  /** True for the explicit HL7 null `""` ("delete this value"). */
  get isNull(): boolean {
    return this.raw === HL7_NULL;
  }

  /** Repetition 1, component 1, subcomponent 1, unescaped. */
  get value(): string {
    return this.component(1, 1);
  }

  /** 0 for an empty field; MSH-2 counts as one repetition although it contains `~`. */
  get repetitionCount(): number {
    return this.repetitions().length;
  }

  repetitions(): readonly Repetition[] {
    if (this.reps === undefined) {
      const raws = this.literal ? (this.raw === '' ? [] : [this.raw]) : pieces(this.raw, this.ctx.delimiters.repetition);
      this.reps = raws.map((r) => new Repetition(r, this.ctx, this.literal));
    }
    return this.reps;
  }

  /** Repetition i (1-based); an empty repetition when absent. */
  repetition(i = 1): Repetition {
    const reps = this.repetitions();
    return i >= 1 && i <= reps.length ? reps[i - 1] : new Repetition('', this.ctx, this.literal);
  }

  /** Component c, subcomponent s of the first repetition, unescaped. */
  component(c: number, s = 1): string {
    if (this.literal) return c === 1 && s === 1 ? this.raw : '';
    // indexOf walks: no repetition or component arrays for the common single read
    const d = this.ctx.delimiters;
    return this.ctx.text(piece(piece(piece(this.raw, d.repetition, 1), d.component, c), d.subcomponent, s));
  }

  toString(): string {
    return this.raw;
  }
}
