/**
 * A parsed HL7 v2 message. Immutable: what was received stays as received, which is what
 * makes lazy parsing and caching safe. To change or create messages, use Hl7Builder.
 */
import type { MessageContext } from './context.js';
import type { Delimiters } from './delimiters.js';
import { readHeader, type Hl7Header } from './header.js';
import { compilePath, type Hl7Path, type SegmentSource } from './path.js';
import { Segment } from './segment.js';

export class Hl7Message implements SegmentSource {
  readonly segments: readonly Segment[];
  /** Things that were repaired or tolerated while parsing (never data loss). */
  readonly warnings: readonly string[];
  private readonly ctx: MessageContext;
  private byName: Map<string, Segment[]> | undefined;
  private headerCache: Hl7Header | undefined;

  /** @internal use parseMessage or splitMessages; lines[0] is the MSH line */
  constructor(lines: readonly string[], ctx: MessageContext, warnings: readonly string[]) {
    const segments = new Array<Segment>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      segments[i] = new Segment(line.slice(0, 3), line, ctx, i);
    }
    this.segments = segments;
    this.ctx = ctx;
    this.warnings = warnings;
  }

  get delimiters(): Delimiters {
    return this.ctx.delimiters;
  }

  /**
   * The charset the message was decoded with (Buffer input), or the one MSH-18 declares
   * (string input), else ParseOptions.charset, else `UTF-8`. `\Xhh\` escapes decode in it.
   */
  get charset(): string {
    return this.ctx.charset;
  }

  /** The MSH segment (always the first). */
  get msh(): Segment {
    return this.segments[0];
  }

  /** The n-th (1-based) segment with this name, or undefined. */
  segment(name: string, occurrence = 1): Segment | undefined {
    if (this.byName !== undefined) return this.byName.get(name)?.[occurrence - 1];
    // A scan beats building the index when only a few segments are looked up.
    let seen = 0;
    const segs = this.segments;
    for (let i = 0; i < segs.length; i++) {
      if (segs[i].name === name && ++seen === occurrence) return segs[i];
    }
    return undefined;
  }

  /** Every segment with this name, in order ([] when none). */
  segmentsNamed(name: string): readonly Segment[] {
    if (this.byName === undefined) {
      const index = new Map<string, Segment[]>();
      for (const seg of this.segments) {
        const list = index.get(seg.name);
        if (list === undefined) index.set(seg.name, [seg]);
        else list.push(seg);
      }
      this.byName = index;
    }
    return this.byName.get(name) ?? NONE;
  }

  /** First value at a path, unescaped, '' when absent (see Hl7Path.get). */
  get(path: string | Hl7Path): string {
    return (typeof path === 'string' ? compilePath(path) : path).get(this);
  }

  /** All values at a path (see Hl7Path.getAll). */
  getAll(path: string | Hl7Path): string[] {
    return (typeof path === 'string' ? compilePath(path) : path).getAll(this);
  }

  /** MSH fields, read on first use. */
  get header(): Hl7Header {
    return (this.headerCache ??= readHeader(this.msh));
  }

  /**
   * The message with its own delimiters and a CR after every segment (v2.5.1 §2.5.2). For a
   * parsed message this is the input exactly, except line breaks between segments (LF, CRLF)
   * become CR, blank lines and a BOM are dropped, and a missing final CR is added.
   */
  toString(): string {
    let out = '';
    for (const seg of this.segments) out += seg.raw + '\r';
    return out;
  }
}

const NONE: readonly Segment[] = Object.freeze([]);
