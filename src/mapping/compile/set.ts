/**
 * `set:` blocks: element name → value rule, every name resolved against the FHIR type at load
 * (an unknown one is an error at its key, with a did-you-mean). `period.start: PV1-44` is
 * shorthand for `period: { set: { start: PV1-44 } }`; several such keys share one element.
 *
 * Choices: `valueQuantity:` fills value[x] with a Quantity; `value[x]:` takes values that say
 * their type ({ type: 'Quantity', value }) and is filled as valueQuantity. When rules for two
 * types of one choice (deceasedDateTime, deceasedBoolean — IG PID-29/PID-30) both yield, the
 * first written wins: FHIR allows one.
 */
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import { describeOwner, type ElementTarget, type ObjectFn, type ValueFn } from '../run/compiled.js';
import { hasElements, lookupElement, choiceSuffix } from '../fhir/model.js';
import { compileRule } from './value.js';
import type { Run } from '../run/context.js';
import type { Scope } from '../hl7v2/scope.js';
import type { RuleDoc } from '../language/types.js';
import { truncate } from '../../util/arrays.js';

interface Entry {
  readonly name: string;
  readonly rule: RuleDoc;
  readonly at: readonly PathSegment[];
}

/** `value[x]:` — the values say their type, which picks the JSON key. */
interface OpenChoice {
  readonly fhirPath: string;
  /** type → JSON key (`Quantity` → `valueQuantity`), made once: no string is built per value */
  readonly keys: ReadonlyMap<string, string>;
}

interface Setter {
  readonly key: string;
  readonly fn: ValueFn;
  readonly many: boolean;
  /** for value[x]: the base and the types allowed */
  readonly open: OpenChoice | undefined;
  /** keys of the other types of the same choice written in this block */
  readonly rivals: readonly string[];
  /**
   * Reused for the values of every run of the setter (a list element takes a copy when it got
   * any: most rules of most resources yield nothing): a block never runs inside itself, and
   * conversion is synchronous, so one array per setter is enough.
   */
  readonly scratch: unknown[];
}

export function compileSet(cx: CompileContext, doc: Readonly<Record<string, RuleDoc>>, at: readonly PathSegment[], typeName: string, fhirPath: string): ObjectFn {
  const entries = Object.entries(doc).map(([name, rule]) => ({ name, rule, at: [...at, name] }));
  return compileEntries(cx, entries, typeName, fhirPath);
}

function compileEntries(cx: CompileContext, entries: readonly Entry[], typeName: string, fhirPath: string): ObjectFn {
  const direct: Entry[] = [];
  const dotted = new Map<string, Entry[]>();
  for (const entry of entries) {
    const dot = entry.name.indexOf('.');
    if (dot < 0) {
      direct.push(entry);
      continue;
    }
    const head = entry.name.slice(0, dot);
    const list = dotted.get(head) ?? [];
    list.push({ name: entry.name.slice(dot + 1), rule: entry.rule, at: entry.at });
    dotted.set(head, list);
  }

  const setters: Setter[] = [];
  const bases = new Map<string, string[]>();
  /** the JSON keys each setter may write: value[x] written in the block stands for any of its types */
  const writes = new Map<string, readonly string[]>();
  const add = (name: string, at: readonly PathSegment[], compile: (target: ElementTarget) => ValueFn): void => {
    if (name === 'resourceType') {
      cx.error(at, 'resourceType comes from the resource\'s type:', { target: 'key' });
      return;
    }
    const found = lookupElement(typeName, name);
    if ('error' in found) {
      cx.error(at, `unknown element "${name}" of ${describeOwner(typeName, fhirPath)}${cx.suggest(name, found.candidates)}`, { target: 'key' });
      return;
    }
    const el = found.element;
    const target: ElementTarget = {
      fhirPath: `${fhirPath}.${name}`,
      types: el.types,
      many: el.isArray,
      openChoice: el.openChoice,
      targets: el.targets,
      ...(el.choiceBase === undefined ? {} : { choiceBase: el.choiceBase }),
      ...(el.requiredBinding === undefined ? {} : { binding: el.requiredBinding }),
    };
    const fn = compile(target);
    const base = el.choiceBase;
    const open = el.openChoice && base !== undefined ? { fhirPath: target.fhirPath, keys: new Map(el.types.map((t) => [t, base + choiceSuffix(t)])) } : undefined;
    if (el.choiceBase !== undefined) bases.set(el.choiceBase, [...(bases.get(el.choiceBase) ?? []), name]);
    writes.set(name, open === undefined ? [name] : [...open.keys.values()]);
    setters.push({ key: name, fn, many: el.isArray, open, rivals: [], scratch: [] });
  };

  for (const entry of direct) add(entry.name, entry.at, (target) => compileRule(cx, entry.rule, entry.at, target));
  for (const [head, inner] of dotted) {
    const clash = direct.find((e) => e.name === head);
    if (clash !== undefined) {
      cx.error(inner[0].at, `${head} is set both as ${head}: and as ${head}.${inner[0].name}: — write one of the two`, { target: 'key' });
      continue;
    }
    add(head, inner[0].at, (target) => {
      const type = target.types[0];
      if (target.openChoice || !hasElements(type)) {
        cx.error(inner[0].at, `${target.fhirPath} is a ${type}: it has no parts to set with ${head}.${inner[0].name}`, { target: 'key' });
        return () => {};
      }
      const build = compileEntries(cx, inner, type, target.fhirPath);
      return (scope, run, out) => {
        const value = build(scope, run);
        if (value !== undefined) out.push(value);
      };
    });
  }

  // the rivals of valueQuantity are the other value[x] keys of this block
  const resolved = setters.map((s) => {
    const base = [...bases.entries()].find(([, names]) => names.includes(s.key));
    const rivals = base === undefined ? [] : base[1].filter((n) => n !== s.key).flatMap((n) => writes.get(n) ?? []);
    return { ...s, rivals };
  });
  return (scope, run, seed) => buildObject(resolved, scope, run, seed);
}

function buildObject(setters: readonly Setter[], scope: Scope, run: Run, seed: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  let obj = seed;
  for (let i = 0; i < setters.length; i++) {
    const setter = setters[i];
    const out = setter.scratch;
    truncate(out, 0);
    setter.fn(scope, run, out);
    if (out.length === 0) continue;
    if (obj !== undefined && setter.rivals.length > 0 && anySet(obj, setter.rivals)) continue;
    const open = setter.open;
    if (open !== undefined) {
      const choice = out[0] as { type?: unknown; value?: unknown };
      const type = typeof choice === 'object' && choice !== null ? choice.type : undefined;
      const key = typeof type === 'string' ? open.keys.get(type) : undefined;
      if (key === undefined) {
        throw run.error('MEDIBUS_ERR_MAPPING_RUNTIME', `${open.fhirPath} got ${typeof type === 'string' ? `a ${type}` : 'a value that does not say its type'}; it takes ${[...open.keys.keys()].join(', ')}`);
      }
      if (choice.value === undefined || choice.value === null) continue;
      (obj ??= {})[key] = choice.value;
      continue;
    }
    (obj ??= {})[setter.key] = setter.many ? out.slice() : out[0];
  }
  return obj;
}

function anySet(obj: Record<string, unknown>, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (obj[keys[i]] !== undefined) return true;
  return false;
}
