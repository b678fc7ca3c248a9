/**
 * Resource rules (docs/mapping-language.md, "Resources"): type, forEach, when, key, mode,
 * set, nested resources — each compiled once into a ResourcePlan.
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { compileCondition } from './condition.js';
import { compileForEach } from './foreach.js';
import { compileKey } from './key.js';
import { compileSet } from './set.js';
import type { CompiledKey, ResourcePlan } from '../run/compiled.js';
import { identifierElement, isResourceTypeName, resourceTypeNames } from '../fhir/model.js';

/** The key of a resource that did not compile (never run: the mapping is not returned). */
const UNKEYED: CompiledKey = { read: () => undefined, text: '', where: () => ({ segment: undefined, field: undefined }) };
import type { ResourceDoc } from '../language/types.js';

/** Names first (a ref may point to a resource written later), then every rule. */
export function compileResources(cx: CompileContext, docs: readonly ResourceDoc[]): ResourcePlan[] {
  declareNames(cx, docs, ['resources']);
  return docs.map((doc, i) => compileResource(cx, doc, ['resources', i]));
}

function declareNames(cx: CompileContext, docs: readonly ResourceDoc[], at: readonly PathSegment[]): void {
  docs.forEach((doc, i) => {
    if (cx.resources.has(doc.name)) cx.error([...at, i, 'name'], `the name "${doc.name}" is already used by another resource; names must be unique (ref: uses them)`);
    else cx.resources.set(doc.name, doc.type);
    declareNames(cx, doc.resources ?? [], [...at, i, 'resources']);
  });
}

function compileResource(cx: CompileContext, doc: ResourceDoc, at: readonly PathSegment[]): ResourcePlan {
  if (!isResourceTypeName(doc.type)) {
    cx.error([...at, 'type'], `unknown FHIR R4 resource type "${doc.type}"${cx.suggest(doc.type, resourceTypeNames())}`);
    return { name: doc.name, type: doc.type, mode: 'upsert', iterate: undefined, when: undefined, key: UNKEYED, build: () => undefined, identifierIsList: true, children: [] };
  }
  const identifier = identifierElement(doc.type);
  if (identifier === undefined) {
    cx.error([...at, 'type'], `${doc.type} has no identifier element, so it cannot be matched on a business key (conditional requests use identifier=…)`);
  }
  return {
    name: doc.name,
    type: doc.type,
    mode: doc.mode ?? 'upsert',
    iterate: doc.forEach === undefined ? undefined : compileForEach(cx, doc.forEach, [...at, 'forEach']),
    when: doc.when === undefined ? undefined : compileCondition(cx, doc.when, [...at, 'when']),
    key: compileKey(cx, doc.key, [...at, 'key'], doc.type),
    build: compileSet(cx, doc.set ?? {}, [...at, 'set'], doc.type, doc.type),
    identifierIsList: identifier?.isArray ?? true,
    children: (doc.resources ?? []).map((child, i) => compileResource(cx, child, [...at, 'resources', i])),
  };
}
