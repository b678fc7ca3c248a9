/**
 * Segment groups (`structure:`): the HL7 abstract message syntax (v2.5.1 §2.5.2) reduced to
 * what mappings need — which OBX belongs to which OBR, which NTE to which OBX.
 *
 * The definitions are checked once at load (compileStructure); the tree of one message is
 * built in one pass over its segments (buildGroups). For each segment, the open groups are
 * tried from the innermost out:
 *  - a group whose `start` lists it takes it if it has not seen that segment yet (ORC then
 *    OBR is one ORDER), else the segment closes it and opens a sibling of the same kind;
 *  - a group whose `contains` lists it takes it (closing the groups inside it: after an
 *    order-level TQ1, a later NTE no longer belongs to the previous OBX);
 *  - a group whose `contains` lists a group kind that starts with it opens that group inside.
 * A segment no open group wants belongs to the message and closes nothing (a Z-segment
 * between two OBX does not end the observation). The message root may open any group kind
 * that no other group contains, so an ADT's OBX groups need no enclosing group.
 */
import type { Hl7Message, Segment } from '../../hl7/index.js';
import { truncate } from '../../util/arrays.js';

export interface GroupDef {
  readonly name: string;
  readonly start: ReadonlySet<string>;
  /** segments that belong to this group */
  readonly segments: ReadonlySet<string>;
  /** group kinds that nest in this group */
  readonly groups: readonly GroupDef[];
  /** start ∪ segments: names this group owns, so a lookup from inside never looks further out */
  readonly declares: ReadonlySet<string>;
}

export interface Structure {
  readonly defs: ReadonlyMap<string, GroupDef>;
  /** kinds the message root may open */
  readonly topLevel: readonly GroupDef[];
}

/**
 * Segments by name. A plain object, not a Map: a message makes one or two per group (30 OBX,
 * 30 OBSERVATION groups), and objects that get the same names in the same order share one
 * shape. Segment names (`[A-Z][A-Z0-9]{2}`) cannot clash with Object.prototype's keys.
 */
export type SegmentIndex = Record<string, Segment[] | undefined>;

/** One group (or the message root, def undefined) of one message. */
export interface Group {
  readonly def: GroupDef | undefined;
  readonly parent: Group | undefined;
  readonly depth: number;
  /** 0 for the root, then in order of opening: stable across evaluations of one message */
  readonly id: number;
  /** segments directly in this group, by name, in message order */
  readonly own: SegmentIndex;
  /** segments in this group and the groups inside it, by name, in message order */
  readonly sub: SegmentIndex;
  readonly children: Group[];
  /** the segment that opened the group (for error locations) */
  readonly first: Segment | undefined;
}

export interface GroupTree {
  readonly root: Group;
  readonly message: Hl7Message;
  /** the group each segment belongs to, by segment index */
  readonly groupOf: readonly Group[];
}

function newGroup(def: GroupDef | undefined, parent: Group | undefined, id: number, first: Segment | undefined): Group {
  const own: SegmentIndex = {};
  // a group kind that nests no group has no segments beyond its own: one index serves both
  const sub: SegmentIndex = def !== undefined && def.groups.length === 0 ? own : {};
  const group: Group = { def, parent, depth: parent ? parent.depth + 1 : 0, id, own, sub, children: [], first };
  parent?.children.push(group);
  return group;
}

function attach(group: Group, seg: Segment): void {
  push(group.own, seg);
  // the root's subtree is the whole message, which Hl7Message indexes itself
  for (let g: Group | undefined = group; g !== undefined && g.def !== undefined; g = g.parent) {
    if (g.sub !== g.own || g !== group) push(g.sub, seg);
  }
}

function push(index: SegmentIndex, seg: Segment): void {
  const list = index[seg.name];
  if (list === undefined) index[seg.name] = [seg];
  else list.push(seg);
}

/** The group tree of one message; without a structure, every segment belongs to the root. */
export function buildGroups(message: Hl7Message, structure: Structure | undefined): GroupTree {
  const segments = message.segments;
  let ids = 0;
  const root = newGroup(undefined, undefined, ids++, segments[0]);
  const groupOf = new Array<Group>(segments.length);
  if (structure === undefined || structure.defs.size === 0) {
    groupOf.fill(root);
    for (const seg of segments) push(root.own, seg);
    return { root, message, groupOf };
  }
  const stack: Group[] = [root];
  for (let index = 0; index < segments.length; index++) {
    const seg = segments[index];
    const name = seg.name;
    let placed: Group | undefined;
    for (let i = stack.length - 1; i >= 0 && placed === undefined; i--) {
      const group = stack[i];
      const def = group.def;
      if (def !== undefined && def.start.has(name)) {
        if (group.own[name] === undefined) {
          placed = group;
          truncate(stack, i + 1);
        } else {
          // the group has had its ORC: this one starts the next ORDER beside it
          truncate(stack, i);
          placed = newGroup(def, stack[i - 1], ids++, seg);
          stack.push(placed);
        }
      } else if (def !== undefined && def.segments.has(name)) {
        placed = group;
        truncate(stack, i + 1);
      } else {
        const kinds = def === undefined ? structure.topLevel : def.groups;
        const kind = kinds.find((k) => k.start.has(name));
        if (kind !== undefined) {
          truncate(stack, i + 1);
          placed = newGroup(kind, group, ids++, seg);
          stack.push(placed);
        }
      }
    }
    placed ??= root;
    attach(placed, seg);
    groupOf[index] = placed;
  }
  return { root, message, groupOf };
}

/** Whether `group` is `ancestor` or lies inside it. */
export function within(group: Group, ancestor: Group): boolean {
  let g: Group | undefined = group;
  while (g !== undefined && g.depth > ancestor.depth) g = g.parent;
  return g === ancestor;
}

/** The groups of kind `def` inside `group` (outermost ones only), in message order. */
export function groupsOfKind(group: Group, def: GroupDef, out: Group[] = []): Group[] {
  for (const child of group.children) {
    if (child.def === def) out.push(child);
    else groupsOfKind(child, def, out);
  }
  return out;
}

/**
 * Whether, below `top`, the paths up from the two groups pass through different groups of the
 * same kind — `target` is in another ORDER than `from`. Lookups never reach into those.
 */
export function crossesKind(target: Group, from: Group, top: Group): boolean {
  for (let t: Group | undefined = target; t !== undefined && t !== top; t = t.parent) {
    for (let f: Group | undefined = from; f !== undefined && f !== top; f = f.parent) {
      if (t.def !== undefined && t.def === f.def && t !== f) return true;
    }
  }
  return false;
}
