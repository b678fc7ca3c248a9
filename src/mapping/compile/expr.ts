/**
 * `expr:` — the JSONata escape hatch, parsed once at load.
 *
 * Sandboxed: JSONata has no I/O and no access to JavaScript globals by design; on top of that
 * `$eval` is removed (no code from data), and `$now`, `$millis`, `$random` (a mapping's output
 * must depend on the message only: the same message gives the same bundle), and evaluation is
 * bounded in time, depth and sequence length so a runaway expression fails the message instead
 * of stalling the channel. `$v(path)` is the first value at an HL7 path in the current scope
 * ('' → undefined), `$all(path)` every value.
 *
 * JSONata 2 evaluates asynchronously; runtime-convert.ts explains how the otherwise synchronous
 * conversion gets the results.
 */
import jsonata from 'jsonata';
import type { PathSegment } from '../../config/index.js';
import { compilePath, type Repetition, type Segment } from '../../hl7/index.js';
import { MedibusError } from '../../errors.js';
import type { CompileContext } from './context.js';
import { compileReader, type PathReader } from '../hl7v2/read.js';
import type { Scope } from '../hl7v2/scope.js';

export interface CompiledExpr {
  readonly id: number;
  readonly text: string;
  evaluate(scope: Scope): Promise<unknown>;
}

const LIMITS = { timeout: 1000, stack: 250, sequence: 100_000 };
const REMOVED = ['eval', 'now', 'millis', 'random'];

function collectText(rep: Repetition, _seg: Segment, _r: number, values: string[]): boolean {
  const v = rep.value;
  if (v !== '') values.push(v);
  return false;
}

export function compileExpr(cx: CompileContext, text: string, at: readonly PathSegment[]): CompiledExpr | undefined {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, LIMITS);
  } catch (error) {
    const e = error as { message?: string; position?: number; token?: string };
    const offset = typeof e.position === 'number' ? Math.max(0, e.position - 1) : undefined;
    cx.error(at, `invalid JSONata expression: ${e.message ?? String(error)}`, { offset });
    return undefined;
  }
  for (const name of REMOVED) {
    expression.registerFunction(name, () => {
      throw new Error(`$${name} is not available in mapping expressions: the bundle must depend on the message only`);
    });
  }
  const { line, column } = cx.source.locate(at).position;
  const where = `${cx.source.file}:${line}:${column}`;
  const readers = new Map<string, PathReader>();
  const reader = (path: unknown): PathReader => {
    if (typeof path !== 'string') throw new Error(`$v and $all take an HL7 path string, got ${typeof path}`);
    let r = readers.get(path);
    if (r === undefined) {
      r = compileReader(compilePath(path));
      readers.set(path, r);
    }
    return r;
  };
  const id = cx.nextExpressionId();
  return {
    id,
    text,
    async evaluate(scope) {
      const bindings = {
        v: (path: unknown) => {
          const value = reader(path).text(scope);
          return value === '' ? undefined : value;
        },
        all: (path: unknown) => {
          const values: string[] = [];
          reader(path).each(scope, collectText, values, undefined);
          return values;
        },
      };
      try {
        return await expression.evaluate(undefined, bindings);
      } catch (error) {
        const e = error as { message?: string };
        throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `expression ${JSON.stringify(text)} (${where}) failed: ${e.message ?? String(error)}`, { cause: error });
      }
    },
  };
}
