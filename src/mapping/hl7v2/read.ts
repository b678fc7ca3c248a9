/**
 * Reading a compiled HL7 path in a scope: the repetitions a datatype conversion reads, the
 * text a condition compares, and whether the value is there at all.
 *
 * Empty repetitions and the HL7 null `""` yield nothing (v2.5.1 §2.5.3; the v2-to-FHIR IG maps
 * `""` to "remove the element", which in a bundle that replaces or creates whole resources
 * means leaving it out). A path that stops at a component (`PID-11.9`, `OBR-3.1`) gives the
 * conversion a view of that component in which its subcomponents read as components, so a
 * datatype nested in a component converts like a field.
 *
 * The views are Repetitions over a MessageContext with other delimiters (both are the HL7
 * core's, used here beyond its public parse API): a conversion reads them like any field.
 */
import { Repetition, type Hl7Path, type Presence, type Segment } from '../../hl7/index.js';
import { piece } from '../../hl7/pieces.js';
import type { Scope } from './scope.js';

/**
 * Called per repetition (or component view) read; returning true stops the walk. `a` and `b`
 * are handed through, so a caller can pass its state without allocating a closure per read.
 */
export type RepetitionVisitor<A, B> = (rep: Repetition, seg: Segment, repetitionIndex: number, a: A, b: B) => boolean;

export interface PathReader {
  readonly path: Hl7Path;
  /** each valued repetition in scope (all occurrences of the segment, all repetitions unless the path names one) */
  each<A, B>(scope: Scope, visit: RepetitionVisitor<A, B>, a: A, b: B): void;
  /** the first value as text, unescaped; '' when absent or null */
  text(scope: Scope): string;
  presence(scope: Scope): Presence;
}

export function compileReader(path: Hl7Path): PathReader {
  const { segment: name, occurrence, field, repetition, component, subcomponent } = path;

  /**
   * The Repetition a conversion reads for one repetition's raw text, narrowed to the
   * component/subcomponent the path names; undefined when that is empty or the HL7 null.
   * Text without separators gets a context that never splits: String#split costs as much
   * when there is nothing to split, and a mapping reads hundreds of fields per message.
   */
  const view = (repRaw: string, seg: Segment): Repetition | undefined => {
    if (repRaw === '' || repRaw === '""') return undefined;
    const d = seg.ctx.delimiters;
    if (component === undefined) {
      const flat = repRaw.indexOf(d.component) < 0 && (d.subcomponent === '' || repRaw.indexOf(d.subcomponent) < 0);
      return new Repetition(repRaw, flat ? seg.ctx.flat : seg.ctx);
    }
    let raw = piece(repRaw, d.component, component);
    if (subcomponent !== undefined) raw = piece(raw, d.subcomponent, subcomponent);
    if (raw === '' || raw === '""') return undefined;
    const flat = subcomponent !== undefined || d.subcomponent === '' || raw.indexOf(d.subcomponent) < 0;
    return new Repetition(raw, flat ? seg.ctx.flat : seg.ctx.componentLevel);
  };

  /** MSH-1 and MSH-2 are literal (they hold the delimiters): read through the HL7 core. */
  const literal = (seg: Segment): Repetition | undefined => {
    const reps = seg.field(field).repetitions();
    const rep = reps[(repetition ?? 1) - 1];
    return rep === undefined || rep.isEmpty || component !== undefined ? undefined : rep;
  };

  const pinned = (scope: Scope) => (repetition === undefined && occurrence === undefined ? scope.pinFor(name, field) : undefined);
  const isLiteral = field <= 2 && (name === 'MSH' || name === 'FHS' || name === 'BHS');

  return {
    path,
    each(scope, visit, a, b) {
      const pin = pinned(scope);
      if (pin !== undefined) {
        const rep = view(pin.repetition.raw, pin.segment);
        if (rep !== undefined) visit(rep, pin.segment, pin.index, a, b);
        return;
      }
      const segs = occurrence === undefined ? scope.segmentsNamed(name) : single(scope.segment(name, occurrence));
      for (let i = 0; i < segs.length; i++) {
        const seg = segs[i];
        const raw = seg.fieldRaw(field);
        if (raw === '') continue;
        if (isLiteral) {
          const rep = literal(seg);
          if (rep !== undefined && visit(rep, seg, repetition ?? 1, a, b)) return;
          continue;
        }
        const sep = seg.ctx.delimiters.repetition;
        if (repetition !== undefined) {
          const rep = view(piece(raw, sep, repetition), seg);
          if (rep !== undefined && visit(rep, seg, repetition, a, b)) return;
          continue;
        }
        // each repetition by an indexOf walk
        let start = 0;
        for (let r = 1; ; r++) {
          const end = sep === '' ? -1 : raw.indexOf(sep, start);
          const rep = view(end < 0 ? (start === 0 ? raw : raw.slice(start)) : raw.slice(start, end), seg);
          if (rep !== undefined && visit(rep, seg, r, a, b)) return;
          if (end < 0) break;
          start = end + 1;
        }
      }
    },
    text(scope) {
      const pin = pinned(scope);
      if (pin === undefined) return path.get(scope);
      if (pin.repetition.isNull) return '';
      return pin.repetition.component(component ?? 1, subcomponent ?? 1);
    },
    presence(scope) {
      const pin = pinned(scope);
      if (pin === undefined) return path.presence(scope);
      let raw = pin.repetition.raw;
      const d = pin.segment.ctx.delimiters;
      if (component !== undefined) raw = piece(raw, d.component, component);
      if (subcomponent !== undefined && d.subcomponent !== '') raw = piece(raw, d.subcomponent, subcomponent);
      return raw === '' ? 'absent' : raw === '""' ? 'null' : 'present';
    },
  };
}

function single(seg: Segment | undefined): readonly Segment[] {
  return seg === undefined ? [] : [seg];
}
