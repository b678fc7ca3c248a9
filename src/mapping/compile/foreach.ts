/**
 * `forEach:` — over a segment (each occurrence in scope, found as paths are: the nearest
 * level that has any), a group of `structure` (each such group inside the scope's group,
 * outermost ones), or a field (each valued repetition, for one participant per PV1-7 doctor).
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import type { IterateFn } from '../run/compiled.js';
import { groupsOfKind, type GroupDef } from '../hl7v2/groups.js';
import type { Scope } from '../hl7v2/scope.js';

const SEGMENT = /^[A-Z][A-Z0-9]{2}$/;

export function compileForEach(cx: CompileContext, text: string, at: readonly PathSegment[]): IterateFn | undefined {
  const group = cx.structure?.defs.get(text);
  if (group !== undefined) return overGroups(group);
  if (SEGMENT.test(text)) {
    return (scope) => {
      const segs = scope.segmentsNamed(text);
      const out = new Array<Scope>(segs.length);
      for (let i = 0; i < segs.length; i++) out[i] = scope.forSegment(segs[i]);
      return out;
    };
  }
  if (text.includes('-')) {
    const path = cx.path(text, at);
    if (path === undefined) return undefined;
    if (path.component !== undefined || path.repetition !== undefined) {
      cx.error(at, `forEach over a field takes the field itself (${path.segment}-${path.field}): it iterates over its repetitions`);
      return undefined;
    }
    const { segment, occurrence, field } = path;
    return (scope) => {
      const out: Scope[] = [];
      const segs = occurrence === undefined ? scope.segmentsNamed(segment) : [scope.segment(segment, occurrence)];
      for (const seg of segs) {
        if (seg === undefined) continue;
        const reps = seg.field(field).repetitions();
        for (let r = 0; r < reps.length; r++) {
          if (!reps[r].isEmpty && !reps[r].isNull) out.push(scope.forRepetition(seg, field, reps[r], r + 1));
        }
      }
      return out;
    };
  }
  const groups = [...(cx.structure?.defs.keys() ?? [])];
  const known = groups.length === 0 ? 'this mapping has no structure: groups' : `structure: defines ${groups.join(', ')}`;
  cx.error(at, `forEach: "${text}" is neither a segment (PID), a group (${known}) nor a field (PV1-7)${cx.suggest(text, groups)}`);
  return undefined;
}

function overGroups(def: GroupDef): IterateFn {
  return (scope) => {
    const found = groupsOfKind(scope.group, def);
    const out = new Array<Scope>(found.length);
    for (let i = 0; i < found.length; i++) out[i] = scope.forGroup(found[i]);
    return out;
  };
}
