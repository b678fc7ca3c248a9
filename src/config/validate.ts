import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../util/json-schema.js';
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { formatPath } from './diagnostics.js';
import type { Interpolation } from './env.js';
import { didYouMean } from './suggest.js';
import { unitExpectations, type UnitKind } from './units.js';
import type { Target, YamlSource } from './yaml.js';

/**
 * JSON Schema validation (ajv) and the translation of ajv's errors into diagnostics that
 * say, at the right line and column, what is wrong in the words of a YAML file.
 */

const validators = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Compiled once per schema object. allErrors: every problem in one run; strict: a typo in
 * a schema (ours or a connector's) fails at startup instead of silently accepting
 * anything; useDefaults: the loaded config is complete; discriminator: one error for a
 * wrong `type` instead of one per connector; verbose: errors carry the data and schema
 * they are about, which the messages quote.
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, discriminator: true, verbose: true, allowUnionTypes: true });
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

interface Finding {
  readonly path: PathSegment[];
  readonly target: Target;
  readonly message: string;
}

/** How a message shows the value it is about. */
interface Show {
  /** `string "abc"`, `integer 5` */
  describe(path: readonly PathSegment[], value: unknown): string;
  /** `"abc"`, `5` */
  quote(path: readonly PathSegment[], value: unknown): string;
}

/**
 * One diagnostic per distinct problem, positioned in the YAML. Scalars whose `${…}` failed
 * were already reported and are skipped; values that came from the environment are named
 * by their reference (`string from "${EMR_PASSWORD}"`), never echoed, since validate output
 * ends up in CI logs.
 */
export function schemaDiagnostics(errors: readonly ErrorObject[], data: unknown, source: YamlSource, env: Pick<Interpolation, 'failed' | 'substituted'>): Diagnostic[] {
  const origin = (path: readonly PathSegment[]): string | undefined => {
    const { node } = source.locate(path);
    return node === undefined ? undefined : env.substituted.get(node);
  };
  const show: Show = {
    describe: (path, value) => {
      const from = origin(path);
      return from === undefined ? describe(value) : `${describe(value).split(' ')[0]} from ${JSON.stringify(from)}`;
    },
    quote: (path, value) => {
      const from = origin(path);
      return from === undefined ? quote(value) : `the value of ${JSON.stringify(from)}`;
    },
  };
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    // "must match then/else schema" only says a branch failed; the branch's own errors say what
    if (error.keyword === 'if') continue;
    const finding = translate(error, data, show);
    const key = `${formatPath(finding.path)}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { node, position } = source.locate(finding.path, finding.target);
    if (node && env.failed.has(node)) continue;
    diagnostics.push({
      file: source.file,
      ...position,
      severity: 'error',
      code: 'MEDIBUS_ERR_CONFIG_SCHEMA',
      path: formatPath(finding.path),
      message: finding.message,
    });
  }
  return diagnostics;
}

function translate(error: ErrorObject, data: unknown, show: Show): Finding {
  const path = pointerToPath(error.instancePath, data);
  const value: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const unit = /^#\/\$defs\/(duration|size)\//.exec(error.schemaPath)?.[1] as UnitKind | undefined;
  if (unit) {
    return { path, target: 'value', message: `expected ${unitExpectations[unit]}, got ${show.describe(path, value)}` };
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((parentSchema['properties'] ?? {}) as object);
      const where = path.length === 0 ? 'at top level' : `in ${formatPath(path)}${variant(parentSchema)}`;
      return {
        path: [...path, key],
        target: 'key',
        message: `unknown key "${key}" ${where}; expected one of: ${allowed.join(', ')}${didYouMean(key, allowed)}`,
      };
    }
    case 'required':
      return { path, target: 'value', message: `missing required key "${String(params['missingProperty'])}"` };
    case 'type':
      if (path.length === 0 && value === null) return { path, target: 'value', message: `expected ${typeNames(params['type'])}, got an empty document` };
      return { path, target: 'value', message: `expected ${typeNames(params['type'])}, got ${show.describe(path, value)}` };
    case 'discriminator':
      return discriminator(path, params, parentSchema, show);
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return { path, target: 'value', message: `expected one of: ${allowed.join(', ')}, got ${show.quote(path, value)}${hint}` };
    }
    case 'const':
      return { path, target: 'value', message: `expected ${quote(params['allowedValue'])}, got ${show.quote(path, value)}` };
    case 'pattern':
      return { path, target: 'value', message: `expected a string matching ${String(params['pattern'])}, got ${show.quote(path, value)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, target: 'value', message: `expected ${bound(String(params['comparison']))} ${String(params['limit'])}, got ${show.quote(path, value)}` };
    case 'minItems':
    case 'maxItems':
      return { path, target: 'value', message: `expected ${counted(error.keyword, params['limit'], 'item')}, got ${Array.isArray(value) ? value.length : 0}` };
    case 'minLength':
    case 'maxLength':
      return { path, target: 'value', message: `expected ${counted(error.keyword, params['limit'], 'character')}, got ${show.quote(path, value)}` };
    case 'uniqueItems': {
      // ajv names the two equal items i and j; point at the later one, it is the repeat
      const later = Math.max(Number(params['i']), Number(params['j']));
      const item: unknown = Array.isArray(value) ? value[later] : undefined;
      return { path: [...path, later], target: 'value', message: `${show.quote([...path, later], item)} is listed twice` };
    }
    case 'false schema':
      return { path, target: 'key', message: 'not allowed here' };
    default:
      return { path, target: 'value', message: error.message ?? error.keyword };
  }
}

/** ajv's discriminator error: `type` missing, not a string, or not a registered connector. */
function discriminator(path: PathSegment[], params: Record<string, unknown>, parentSchema: Record<string, unknown>, show: Show): Finding {
  const kind = unionKind(path);
  const types = ((parentSchema['oneOf'] ?? []) as Record<string, unknown>[]).map((branch) => tagOf(branch)).filter((t): t is string => t !== undefined);
  const tag = String(params['tag']);
  const tagValue = params['tagValue'];
  const expected = `expected one of: ${types.join(', ')}`;
  if (params['error'] === 'mapping' && typeof tagValue === 'string') {
    return { path: [...path, tag], target: 'value', message: `unknown ${kind} type ${show.quote([...path, tag], tagValue)}; ${expected}${didYouMean(tagValue, types)}` };
  }
  if (tagValue === undefined) return { path, target: 'value', message: `missing required key "${tag}"; ${expected}` };
  return { path: [...path, tag], target: 'value', message: `expected string, got ${show.describe([...path, tag], tagValue)}; ${expected}` };
}

/** `source` for the source union, `destination` for an item of `destinations`. */
function unionKind(path: readonly PathSegment[]): string {
  const last = path.at(-1);
  if (typeof last === 'number') return String(path.at(-2) ?? 'item').replace(/s$/, '');
  return last ?? 'document';
}

function tagOf(branch: Record<string, unknown>): string | undefined {
  const properties = branch['properties'] as Record<string, Record<string, unknown>> | undefined;
  const tag = properties?.['type']?.['const'];
  return typeof tag === 'string' ? tag : undefined;
}

/** ` (mllp)` when the mapping is one branch of a connector union, so the user sees whose keys are listed. */
function variant(schema: Record<string, unknown>): string {
  const tag = tagOf(schema);
  return tag === undefined ? '' : ` (${tag})`;
}

/** JSON Pointer → path segments, with array indices as numbers (they print as `[0]`). */
function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      path.push(Number(key));
      current = current[Number(key)];
    } else {
      path.push(key);
      current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

/** JSON Schema type names in YAML words. */
function typeNames(types: unknown): string {
  const names = (Array.isArray(types) ? types : String(types).split(',')).map((t) => {
    const name = String(t);
    return name === 'object' ? 'mapping' : name === 'array' ? 'list' : name;
  });
  return names.join(' or ');
}

/** `string "abc"`, `integer 5`, `boolean true`, `null`, `list`, `mapping` */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `string ${quote(value)}`;
  if (typeof value === 'number') return `${Number.isInteger(value) ? 'integer' : 'number'} ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  return Array.isArray(value) ? 'list' : 'mapping';
}

/** A value as the user would write it; long strings are cut so one line stays one line. */
function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'list' : 'mapping';
  return String(value);
}

function bound(comparison: string): string {
  switch (comparison) {
    case '>=':
      return 'at least';
    case '<=':
      return 'at most';
    case '>':
      return 'more than';
    default:
      return 'less than';
  }
}

function counted(keyword: string, limit: unknown, noun: string): string {
  const n = Number(limit);
  return `${keyword.startsWith('min') ? 'at least' : 'at most'} ${n} ${noun}${n === 1 ? '' : 's'}`;
}
