/**
 * `structure:` checked once at load: every name a group lists is a segment (three letters or
 * digits) or another group; groups do not contain themselves, directly or not; and the groups
 * no other group contains are the ones the message root may open (see groups.ts).
 */
import type { PathSegment } from '../../config/index.js';
import type { GroupDef, Structure } from './groups.js';
import type { GroupDoc } from '../language/types.js';

/** What this step needs of the compiler (compile/context.ts's CompileContext is one): where to report. */
export interface StructureReporter {
  error(path: readonly PathSegment[], message: string): void;
  suggest(word: string, candidates: readonly string[]): string;
}

const SEGMENT = /^[A-Z][A-Z0-9]{2}$/;

interface MutableDef {
  name: string;
  start: Set<string>;
  segments: Set<string>;
  groups: MutableDef[];
  declares: Set<string>;
}

export function compileStructure(cx: StructureReporter, doc: Readonly<Record<string, GroupDoc>> | undefined): Structure | undefined {
  if (doc === undefined) return undefined;
  const defs = new Map<string, MutableDef>();
  for (const [name, group] of Object.entries(doc)) {
    defs.set(name, { name, start: new Set(group.start), segments: new Set(), groups: [], declares: new Set(group.start) });
  }
  const contained = new Set<string>();
  for (const [name, group] of Object.entries(doc)) {
    const def = defs.get(name) as MutableDef;
    (group.contains ?? []).forEach((item, i) => {
      const inner = defs.get(item);
      if (inner !== undefined) {
        def.groups.push(inner);
        contained.add(item);
      } else if (SEGMENT.test(item)) {
        def.segments.add(item);
        def.declares.add(item);
      } else {
        const groups = [...defs.keys()];
        cx.error(['structure', name, 'contains', i], `"${item}" is neither a segment (three upper-case letters or digits) nor a group of structure (${groups.join(', ')})${cx.suggest(item, groups)}`);
      }
    });
    for (const segment of group.start) {
      if (def.segments.has(segment)) cx.error(['structure', name, 'start'], `${segment} is in both start and contains of ${name}; list it once`);
    }
  }
  for (const name of defs.keys()) {
    const cycle = findCycle(defs.get(name) as MutableDef, []);
    if (cycle !== undefined && cycle[0] === name) cx.error(['structure', name], `groups contain each other: ${cycle.join(' → ')}`);
  }
  const frozen = [...defs.values()] as GroupDef[];
  return { defs: defs as ReadonlyMap<string, GroupDef>, topLevel: frozen.filter((d) => !contained.has(d.name)) };
}

function findCycle(def: MutableDef, trail: string[]): string[] | undefined {
  if (trail.includes(def.name)) return [...trail.slice(trail.indexOf(def.name)), def.name];
  for (const inner of def.groups) {
    const cycle = findCycle(inner, [...trail, def.name]);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
