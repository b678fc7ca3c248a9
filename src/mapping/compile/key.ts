/**
 * `key:` — the business identifier each resource is matched on (DESIGN.md: "delivering the
 * same message twice leaves one patient, one encounter, one observation"). Forms:
 *  - a path, or a rule like { from: ORC-3, type: EI }: the field read as an Identifier (CX by
 *    default; the system comes from its assigning authority, identifiers.ts);
 *  - { system, value }: a system (URI, or a rule) and one or more value parts joined with "-"
 *    (an Observation: filler order number, OBX set ID, OBX code). Parts keep their position:
 *    an empty one stays empty (`LAB1--718-7`), so two keys never merge by accident.
 * An empty key at run time is an error naming the key and where it was read — never a
 * random id, which would create a duplicate on every resend.
 */
import type { PathSegment } from '../../config/index.js';
import { compilePath, type Hl7Path } from '../../hl7/index.js';
import type { CompileContext } from './context.js';
import type { CompiledKey, ElementTarget, ValueFn } from '../run/compiled.js';
import { compileRule } from './value.js';
import type { Run } from '../run/context.js';
import { compileReader } from '../hl7v2/read.js';
import type { Scope } from '../hl7v2/scope.js';
import type { CompositeKeyDoc, KeyDoc, RuleDoc, RuleObjectDoc } from '../language/types.js';
import { truncate } from '../../util/arrays.js';

const TEXT: Omit<ElementTarget, 'fhirPath' | 'types'> = { many: false, openChoice: false, targets: [] };

export function compileKey(cx: CompileContext, doc: KeyDoc, at: readonly PathSegment[], resourceType: string): CompiledKey {
  const fhirPath = `${resourceType}.identifier`;
  const firstPath = findPath(doc);
  const path = firstPath === undefined ? undefined : quietPath(firstPath);
  const where = (scope: Scope) => ({ segment: path === undefined ? scope.pinned : (scope.segment(path.segment) ?? scope.pinned), field: path?.field, name: path?.segment });

  if (typeof doc === 'object' && doc !== null && ('system' in doc || 'value' in doc)) {
    const composite = doc as CompositeKeyDoc;
    if (composite.value === undefined) {
      cx.error(at, 'a key with system: needs value: (a rule, or a list of rules joined with "-")');
      return { read: () => undefined, text: '?', where };
    }
    const system = compileSystem(cx, composite.system, [...at, 'system'], fhirPath);
    const partDocs: readonly RuleDoc[] = Array.isArray(composite.value) ? composite.value : [composite.value as RuleDoc];
    const parts = partDocs.map((p, i) => compilePart(cx, p, Array.isArray(composite.value) ? [...at, 'value', i] : [...at, 'value'], fhirPath));
    const text = partDocs.map(describeRule).join(' + ');
    return {
      text,
      where,
      read: (scope, run) => {
        let any = false;
        const texts = new Array<string>(parts.length);
        const out: unknown[] = [];
        for (let i = 0; i < parts.length; i++) {
          truncate(out, 0);
          parts[i](scope, run, out);
          const v = out.length === 0 ? '' : String(out[0]).trim();
          if (v !== '') any = true;
          texts[i] = v;
        }
        if (!any) return undefined;
        // join, not +: one flat string (it is hashed, escaped and compared, all of which read it whole)
        return { system: system?.(scope, run), value: texts.join('-'), composed: true };
      },
    };
  }

  // `first: [PR1-19, { set: { value: join … } }]`: each alternative on its own, to know which one gave the key
  const first = (doc as RuleObjectDoc).first;
  const alternatives: readonly RuleDoc[] =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) && Array.isArray(first) && Object.keys(doc).length === 1 ? first : [doc as RuleDoc];
  const rules = alternatives.map((alt, i) => ({
    rule: compileRule(cx, alt, alternatives.length === 1 ? at : [...at, 'first', i], { ...TEXT, fhirPath, types: ['Identifier'] }),
    composed: typeof alt === 'object' && alt !== null && !Array.isArray(alt) && (alt as RuleObjectDoc).set !== undefined,
  }));
  return {
    text: describeRule(doc as RuleDoc),
    where,
    read: (scope, run) => {
      const out: unknown[] = [];
      for (const { rule, composed } of rules) {
        truncate(out, 0);
        rule(scope, run, out);
        const identifier = out[0] as { system?: unknown; value?: unknown } | undefined;
        const value = typeof identifier?.value === 'string' ? identifier.value.trim() : '';
        if (value === '') continue;
        return { system: typeof identifier?.system === 'string' && identifier.system !== '' ? identifier.system : undefined, value, composed };
      }
      return undefined;
    },
  };
}

/**
 * A key part: a path is read as text (its first value, unescaped — key parts are not FHIR
 * elements, so no datatype conversion is needed), any other rule as a string element.
 */
function compilePart(cx: CompileContext, doc: RuleDoc, at: readonly PathSegment[], fhirPath: string): ValueFn {
  const paths = firstOfPaths(doc);
  if (paths !== undefined) {
    // `{ first: [OBR-3.1, ORC-3.1 …] }`, every observation's key: read as text, like a path part
    const readers = paths.map((p, i) => cx.path(p, [...at, 'first', i])).map((p) => (p === undefined ? undefined : compileReader(p)));
    return (scope, _run, out) => {
      for (const reader of readers) {
        const text = reader?.text(scope) ?? '';
        if (text !== '') {
          out.push(text);
          return;
        }
      }
    };
  }
  if (typeof doc !== 'string') return compileRule(cx, doc, at, { ...TEXT, fhirPath, types: ['string'] });
  const path = cx.path(doc, at);
  if (path === undefined) return () => {};
  const reader = compileReader(path);
  return (scope, _run, out) => {
    const text = reader.text(scope);
    if (text !== '') out.push(text);
  };
}

/** The paths of a `{ first: [path, …] }` with nothing else, or undefined. */
function firstOfPaths(doc: RuleDoc): readonly string[] | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const rule = doc as RuleObjectDoc;
  if (Object.keys(rule).length !== 1 || !Array.isArray(rule.first)) return undefined;
  return rule.first.every((p) => typeof p === 'string' && !p.includes(':')) ? (rule.first as string[]) : undefined;
}

/** `system:` — a URI constant (anything with a colon; HL7 paths have none), or a rule. */
function compileSystem(cx: CompileContext, doc: CompositeKeyDoc['system'], at: readonly PathSegment[], fhirPath: string): ((scope: Scope, run: Run) => string | undefined) | undefined {
  if (doc === undefined) return undefined;
  if (typeof doc === 'string' && doc.includes(':')) return () => doc;
  const rule: ValueFn = compileRule(cx, doc as RuleDoc, at, { ...TEXT, fhirPath: `${fhirPath}.system`, types: ['uri'] });
  return (scope, run) => {
    const out: unknown[] = [];
    rule(scope, run, out);
    return typeof out[0] === 'string' && out[0] !== '' ? out[0] : undefined;
  };
}

function describeRule(doc: RuleDoc): string {
  if (typeof doc === 'string') return doc;
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const rule = doc as RuleObjectDoc;
    if (rule.from !== undefined) return rule.from;
    if (rule.expr !== undefined) return `expr ${JSON.stringify(rule.expr)}`;
    // `PID-3[1], else PID-2`: how the message reads the error, not the YAML's JSON
    if (rule.first !== undefined) return rule.first.map(describeRule).join(', else ');
  }
  return JSON.stringify(doc);
}

/** The first HL7 path the key reads, for the location of an empty key. */
function findPath(doc: unknown): string | undefined {
  if (typeof doc === 'string') return doc.includes(':') ? undefined : doc;
  if (Array.isArray(doc)) {
    for (const item of doc) {
      const found = findPath(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof doc === 'object' && doc !== null) {
    const rule = doc as Record<string, unknown>;
    for (const key of ['from', 'value', 'first']) {
      const found = key in rule ? findPath(rule[key]) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The path for locating an empty key; a bad path was already reported by the rule's own compile. */
function quietPath(text: string): Hl7Path | undefined {
  try {
    return compilePath(text);
  } catch {
    return undefined;
  }
}
