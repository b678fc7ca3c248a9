/**
 * Building messages (ACKs, test messages, outbound HL7). Values given to set() are text and
 * are escaped (§2.7); setRaw() takes already-encoded HL7 (e.g. a field copied from another
 * message with the same delimiters). Write the HL7 null with `set(path, HL7_NULL)`.
 *
 *   const b = new Hl7Builder();
 *   b.set('MSH-9.1', 'ACK').set('MSH-10', id);
 *   b.add('MSA').set(1, 'AA').set(2, originalId);
 *   const ack = b.build();
 */
import { MedibusError } from '../errors.js';
import { DEFAULT_DELIMITERS, encodingCharacters, isHeaderSegmentName, type Delimiters } from './delimiters.js';
import { escapeText } from './escape.js';
import type { Hl7Message } from './message.js';
import { parseMessage } from './parse.js';
import { compilePath, type Hl7Path } from './path.js';
import { pieces } from './pieces.js';

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

export class SegmentBuilder {
  /** fields[n] is the raw text of field n; fields[0] is the name (MSH: fields[1] is `|`) */
  readonly fields: string[];

  /** @internal use Hl7Builder.add */
  constructor(
    readonly name: string,
    private readonly d: Delimiters,
  ) {
    this.fields = isHeaderSegmentName(name) ? [name, d.field, encodingCharacters(d)] : [name];
  }

  /** Sets text (escaped) at `3`, `3.1`, `3[2].1.2` or field number 3 of this segment. */
  set(spec: string | number, value: string): this {
    return this.setRaw(spec, escapeText(value, this.d));
  }

  /** Sets already-encoded HL7 text at a position of this segment. */
  setRaw(spec: string | number, raw: string): this {
    this.put(compilePath(`${this.name}-${spec}`), raw);
    return this;
  }

  /** @internal */
  put(path: Hl7Path, raw: string): void {
    if (path.field <= 2 && isHeaderSegmentName(this.name)) {
      throw new MedibusError(
        'MEDIBUS_ERR_HL7_DELIMITERS',
        `${this.name}-${path.field} holds the delimiters; choose them with new Hl7Builder(delimiters)`,
        { location: { segment: this.name, field: path.field } },
      );
    }
    while (this.fields.length <= path.field) this.fields.push('');
    this.fields[path.field] = nest(this.fields[path.field], this.d, path, raw);
  }

  toString(): string {
    const sep = this.d.field;
    if (isHeaderSegmentName(this.name)) return this.name + sep + this.fields.slice(2).join(sep);
    return this.fields.length === 1 ? this.name : this.name + sep + this.fields.slice(1).join(sep);
  }
}

export class Hl7Builder {
  private readonly segs: SegmentBuilder[] = [];

  /** Starts a message with an MSH declaring these delimiters (default `|^~\&`). */
  constructor(readonly delimiters: Delimiters = DEFAULT_DELIMITERS) {
    this.segs.push(new SegmentBuilder('MSH', delimiters));
  }

  /** A builder holding a copy of a parsed message, to change it. */
  static from(message: Hl7Message): Hl7Builder {
    const b = new Hl7Builder(message.delimiters);
    b.segs.length = 0;
    for (const seg of message.segments) {
      const sb = new SegmentBuilder(seg.name, message.delimiters);
      for (let n = sb.fields.length; n <= seg.fieldCount; n++) sb.fields.push(seg.fieldRaw(n));
      b.segs.push(sb);
    }
    return b;
  }

  /** Appends a segment. */
  add(name: string): SegmentBuilder {
    if (!SEGMENT_NAME.test(name)) {
      throw new MedibusError('MEDIBUS_ERR_HL7_SEGMENT', `"${name}" is not a segment name`, { location: { segment: name } });
    }
    const sb = new SegmentBuilder(name, this.delimiters);
    this.segs.push(sb);
    return sb;
  }

  /** The n-th segment with this name, or undefined. */
  segment(name: string, occurrence = 1): SegmentBuilder | undefined {
    let seen = 0;
    return this.segs.find((s) => s.name === name && ++seen === occurrence);
  }

  /**
   * Sets text (escaped) at a path, e.g. `MSH-9.2`, `ERR[2]-3.1`. A segment the path names
   * that does not exist yet is appended (as many as the occurrence requires).
   */
  set(path: string | Hl7Path, value: string): this {
    return this.setRaw(path, escapeText(value, this.delimiters));
  }

  /** Sets already-encoded HL7 text at a path. */
  setRaw(path: string | Hl7Path, raw: string): this {
    const p = typeof path === 'string' ? compilePath(path) : path;
    const occurrence = p.occurrence ?? 1;
    let seg = this.segment(p.segment, occurrence);
    while (seg === undefined) {
      this.add(p.segment);
      seg = this.segment(p.segment, occurrence);
    }
    seg.put(p, raw);
    return this;
  }

  /** The message text, CR after each segment. */
  toString(): string {
    let out = '';
    for (const s of this.segs) out += s.toString() + '\r';
    return out;
  }

  build(): Hl7Message {
    return parseMessage(this.toString());
  }
}

/** Puts raw text at the repetition/component/subcomponent a path names inside a field. */
function nest(field: string, d: Delimiters, p: Hl7Path, raw: string): string {
  if (p.repetition === undefined && p.component === undefined) return raw;
  const reps = replaceAt(pieces(field, d.repetition), p.repetition ?? 1, d.repetition, (rep) => {
    if (p.component === undefined) return raw;
    const comps = replaceAt(pieces(rep, d.component), p.component, d.component, (comp) => {
      if (p.subcomponent === undefined) return raw;
      return replaceAt(pieces(comp, d.subcomponent), p.subcomponent, d.subcomponent, () => raw).join(d.subcomponent);
    });
    return comps.join(d.component);
  });
  return reps.join(d.repetition);
}

function replaceAt(list: string[], n: number, sep: string, f: (old: string) => string): string[] {
  if (n > 1 && sep === '') {
    throw new MedibusError('MEDIBUS_ERR_HL7_DELIMITERS', 'MSH-2 declares no separator for this level, so only the first can be set', {});
  }
  while (list.length < n) list.push('');
  list[n - 1] = f(list[n - 1]);
  return list;
}
