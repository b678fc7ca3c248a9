/**
 * Scopes: where a path is read. A scope is a group of the message (the root, an ORDER, an
 * OBSERVATION), optionally pinned to one segment (forEach: OBX) or to one repetition of a
 * field (forEach: PV1-7).
 *
 * Lookup (docs/mapping-language.md, Paths): a pinned segment answers for its own name; else
 * from the scope's group outwards, a group that declares the segment (in start or contains)
 * answers with its own segments of that name — even with none, so an OBX without NTE never
 * borrows the order's NTE — and a group that does not declare it answers with those of the
 * groups inside it (from an ORDER, OBX-5 is the order's first OBX). The message root answers
 * with every segment of that name, except those inside a group parallel to one around the
 * scope (from the second ORDER, the first ORDER's SPM is someone else's).
 */
import type { Repetition, Segment, SegmentSource } from '../../hl7/index.js';
import { crossesKind, type Group, type GroupTree } from './groups.js';

const NONE: readonly Segment[] = Object.freeze([]);

/** A repetition of a field that a `forEach: PV1-7` iteration is pinned to. */
export interface FieldPin {
  readonly segment: Segment;
  readonly field: number;
  readonly repetition: Repetition;
  /** 1-based, for cache keys and error locations */
  readonly index: number;
}

export class Scope implements SegmentSource {
  private readonly pinnedList: readonly Segment[] | undefined;
  /** this scope or the nearest enclosing one that is on a segment (lookups skip the others) */
  private readonly onSegment: Scope | undefined;
  /** this scope or the nearest enclosing one that is on a field repetition */
  private readonly onField: Scope | undefined;
  private cacheKey: string | undefined;
  private lastName: string | undefined;
  private lastFound: readonly Segment[] | undefined;

  constructor(
    readonly tree: GroupTree,
    readonly group: Group,
    readonly parent: Scope | undefined,
    /** the segment of a forEach over segments (or the segment of a pinned field) */
    readonly pinned: Segment | undefined,
    readonly pin: FieldPin | undefined,
  ) {
    this.pinnedList = pinned === undefined ? undefined : [pinned];
    this.onSegment = pinned !== undefined ? this : parent?.onSegment;
    this.onField = pin !== undefined ? this : parent?.onField;
  }

  static root(tree: GroupTree): Scope {
    return new Scope(tree, tree.root, undefined, undefined, undefined);
  }

  /** A scope pinned to one segment, in the group the segment belongs to. */
  forSegment(seg: Segment): Scope {
    return new Scope(this.tree, this.tree.groupOf[seg.index], this, seg, undefined);
  }

  forGroup(group: Group): Scope {
    return new Scope(this.tree, group, this, undefined, undefined);
  }

  forRepetition(seg: Segment, field: number, repetition: Repetition, index: number): Scope {
    return new Scope(this.tree, this.tree.groupOf[seg.index], this, seg, { segment: seg, field, repetition, index });
  }

  segmentsNamed(name: string): readonly Segment[] {
    // the rules of one resource read the same segment again and again (OBX-3, OBX-5, OBX-11 …)
    if (name === this.lastName) return this.lastFound as readonly Segment[];
    const found = this.lookup(name);
    this.lastName = name;
    this.lastFound = found;
    return found;
  }

  private lookup(name: string): readonly Segment[] {
    // the segment a forEach (here or further out) is on answers for its name: in a message
    // without structure, a forEach: PID keeps reading its own PID inside nested iterations
    for (let s = this.onSegment; s !== undefined; s = s.parent?.onSegment) {
      if ((s.pinned as Segment).name === name) return s.pinnedList as readonly Segment[];
    }
    for (let g: Group | undefined = this.group; g !== undefined; g = g.parent) {
      const def = g.def;
      if (def === undefined) return this.fromMessage(name, g);
      if (def.declares.has(name)) return g.own[name] ?? NONE;
      const inside = g.sub[name];
      if (inside !== undefined) return inside;
    }
    return NONE;
  }

  /** Every segment of that name, except those inside a group parallel to one around this scope. */
  private fromMessage(name: string, root: Group): readonly Segment[] {
    const all = this.tree.message.segmentsNamed(name);
    if (this.group === root) return all;
    const groupOf = this.tree.groupOf;
    let kept: Segment[] | undefined;
    for (let i = 0; i < all.length; i++) {
      const foreign = crossesKind(groupOf[all[i].index], this.group, root);
      if (foreign && kept === undefined) kept = all.slice(0, i);
      else if (!foreign && kept !== undefined) kept.push(all[i]);
    }
    return kept ?? all;
  }

  segment(name: string, occurrence = 1): Segment | undefined {
    return this.segmentsNamed(name)[occurrence - 1];
  }

  /** The innermost field pin for this segment and field, if a forEach set one. */
  pinFor(segment: string, field: number): FieldPin | undefined {
    for (let s = this.onField; s !== undefined; s = s.parent?.onField) {
      const pin = s.pin as FieldPin;
      if (pin.field === field && pin.segment.name === segment) return pin;
    }
    return undefined;
  }

  /** Identifies the scope across evaluations of the same message (JSONata results are cached on it). */
  get key(): string {
    return (this.cacheKey ??= `${this.group.id}:${this.pinned?.index ?? -1}:${this.pin ? `${this.pin.field}.${this.pin.index}` : ''}`);
  }
}
