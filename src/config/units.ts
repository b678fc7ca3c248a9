import type { JsonSchema } from '../util/json-schema.js';
import type { PathSegment } from './diagnostics.js';
import { isRecord } from '../util/objects.js';

/**
 * Durations and sizes as people write them in config files, converted to plain numbers
 * (milliseconds, bytes) once the schema has accepted the file, so the runtime never parses
 * units.
 *
 * Sizes: `B`, and the binary `KiB` `MiB` `GiB` (1024ⁿ, what buffers and frame limits are
 * naturally counted in); the decimal `kB`/`KB` `MB` `GB` (1000ⁿ, IEC 80000-13 and SI) are
 * accepted too, meaning exactly what they say, because refusing `16MB` helps nobody and
 * the difference to 16MiB (5 %) never matters for a limit.
 */

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const SIZE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 } as const;

/** Node's timers overflow past 2³¹−1 ms (about 24.8 days) and then fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const DURATION_PATTERN = `^(0|[1-9][0-9]*)(${Object.keys(DURATION_UNITS).join('|')})$`;
const SIZE_PATTERN = `^(0|[1-9][0-9]*)(${Object.keys(SIZE_UNITS).join('|')})$`;

/** `$defs` entries every schema that uses `{ $ref: '#/$defs/duration' }` or `size` must include. */
export const unitDefs = {
  duration: {
    type: ['integer', 'string'],
    minimum: 0,
    maximum: MAX_DURATION_MS,
    pattern: DURATION_PATTERN,
    description: 'A duration: integer milliseconds, or a whole number with a unit: ms, s, m, h.',
    examples: ['500ms', '30s', '5m', '1h', 250],
  },
  size: {
    type: ['integer', 'string'],
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    pattern: SIZE_PATTERN,
    description: 'A size: integer bytes, or a whole number with a unit: B, KiB, MiB, GiB (1024ⁿ) or kB, MB, GB (1000ⁿ).',
    examples: ['512KiB', '16MiB', 1048576],
  },
} as const satisfies Record<string, JsonSchema>;

export type UnitKind = keyof typeof unitDefs;

/** What the schema said a valid duration or size looks like, for diagnostics. */
export const unitExpectations: Record<UnitKind, string> = {
  duration: 'a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h)',
  size: 'a size (integer bytes, or a number with B, KiB, MiB, GiB, kB, MB or GB: 512KiB, 16MiB)',
};

/** Milliseconds, or a message when the value is too long for a timer. Expects a schema-valid value. */
export function parseDuration(value: number | string): number | string {
  const ms = typeof value === 'number' ? value : scaled(value, DURATION_UNITS);
  return ms <= MAX_DURATION_MS ? ms : `duration ${value} is longer than Node.js timers allow (${MAX_DURATION_MS} ms, about 24.8 days)`;
}

/** Bytes, or a message when the value is past what a JS number holds exactly. Expects a schema-valid value. */
export function parseSize(value: number | string): number | string {
  const bytes = typeof value === 'number' ? value : scaled(value, SIZE_UNITS);
  return Number.isSafeInteger(bytes) ? bytes : `size ${value} is too large`;
}

/** `600000` → `10m`: the largest unit that divides the value exactly, for messages. */
export function formatDuration(ms: number): string {
  for (const [unit, factor] of Object.entries(DURATION_UNITS).reverse()) {
    if (ms !== 0 && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}

function scaled(text: string, units: Readonly<Record<string, number>>): number {
  const match = /^([0-9]+)([A-Za-z]+)$/.exec(text);
  const factor = match?.[2] === undefined ? undefined : units[match[2]];
  if (!match || factor === undefined) return Number.NaN;
  return Number(match[1]) * factor;
}

/**
 * Replaces every duration and size in `data` (already validated against `schema`, defaults
 * applied) by its number, following the schema: `$ref` to the unit definitions, object
 * `properties`, array `items` and discriminated `oneOf` unions (the branch whose tag
 * `const` matches). Returns the problems a pattern cannot catch (too large values).
 */
export function convertUnits(root: JsonSchema, data: unknown): { path: PathSegment[]; message: string }[] {
  const problems: { path: PathSegment[]; message: string }[] = [];
  const visit = (schema: unknown, value: unknown, path: PathSegment[], assign: (v: number) => void): void => {
    if (!isRecord(schema)) return;
    const ref = schema['$ref'];
    if (ref === '#/$defs/duration' || ref === '#/$defs/size') {
      if (typeof value !== 'number' && typeof value !== 'string') return;
      const result = ref === '#/$defs/duration' ? parseDuration(value) : parseSize(value);
      if (typeof result === 'number') assign(result);
      else problems.push({ path, message: result });
      return;
    }
    if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
      const defs = root['$defs'];
      visit(isRecord(defs) ? defs[ref.slice('#/$defs/'.length)] : undefined, value, path, assign);
    }
    const properties = schema['properties'];
    if (isRecord(properties) && isRecord(value)) {
      for (const key of Object.keys(value)) {
        visit(properties[key], value[key], [...path, key], (v) => (value[key] = v));
      }
    }
    const items = schema['items'];
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(items, item, [...path, i], (v) => (value[i] = v)));
    }
    const discriminator = schema['discriminator'];
    const oneOf = schema['oneOf'];
    if (isRecord(discriminator) && Array.isArray(oneOf) && isRecord(value)) {
      const tag = discriminator['propertyName'];
      const branch = oneOf.find((b) => isRecord(b) && tagConst(b, tag) === value[String(tag)]);
      visit(branch, value, path, assign);
    }
  };
  visit(root, data, [], () => undefined);
  return problems;
}

function tagConst(branch: Record<string, unknown>, tag: unknown): unknown {
  const properties = branch['properties'];
  const tagSchema = isRecord(properties) ? properties[String(tag)] : undefined;
  return isRecord(tagSchema) ? tagSchema['const'] : undefined;
}
