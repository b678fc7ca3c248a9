/**
 * `medibus convert` for a file of another kind than HL7 v2 (a `.dcm` object, a `.csv` export):
 * read as its source would hand it on (src/kinds/<kind> readFile), each payload through the
 * transform step with the first mapping whose `input:` is that kind. Without such a mapping the
 * payload is printed as a channel would queue it, and stderr says so.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompiledMapping } from '../../mapping/index.js';
import { anyKindSpec } from '../../kinds/registry.js';
import type { Payload, PayloadKind } from '../../kinds/types.js';
import { transformStep, typeOf, type TransformPlan } from '../../pipeline/transform-step.js';

export interface KindConvert {
  readonly candidates: readonly CompiledMapping[];
  readonly planFor: (mapping: CompiledMapping) => TransformPlan;
  /** a failure line (counted by the caller) */
  readonly fail: (text: string) => void;
  readonly warn: (text: string) => void;
  readonly out: (text: string) => void;
  readonly describe: (error: unknown) => string;
  readonly closed: () => boolean;
}

export async function convertKindFile(file: string, kind: PayloadKind, c: KindConvert): Promise<{ messages: number; warnings: number }> {
  const spec = anyKindSpec(kind);
  let reading: Awaited<ReturnType<typeof spec.readFile>>;
  try {
    reading = await spec.readFile(await readFile(file), path.basename(file));
  } catch (error) {
    c.fail(c.describe(error));
    return { messages: 0, warnings: 0 };
  }
  let warnings = reading.warnings.length;
  for (const warning of reading.warnings) c.warn(`warning: ${warning}`);
  for (const failure of reading.failures) c.fail(`${failure.where}: ${c.describe(failure.error)}`);
  const mappings = c.candidates.filter((m) => m.input === kind);
  if (mappings.length === 0 && reading.payloads.length > 0) {
    c.warn(`no mapping reads ${kind} payloads (a mapping with input: ${kind}); printing each payload as a channel would queue it`);
  }
  for (const payload of reading.payloads) {
    if (c.closed()) break;
    const label = labelOf(payload);
    if (mappings.length === 0) {
      c.out(`${JSON.stringify(JSON.parse(spec.encode(payload).toString('utf8')), null, 2)}\n`);
      continue;
    }
    const mapping = mappingFor(payload, mappings);
    const outcome = await transformStep(payload, c.planFor(mapping));
    switch (outcome.kind) {
      case 'converted':
        warnings += outcome.warnings.length;
        for (const warning of outcome.warnings) c.warn(`${label}: warning: ${warning}`);
        c.out(`${JSON.stringify(outcome.bundle, null, 2)}\n`);
        break;
      case 'failed':
        c.fail(`${label} (mapping ${mapping.id}): ${c.describe(outcome.error)}`);
        break;
      case 'filtered':
        c.fail(`${label}: ${outcome.reason}`);
        break;
      case 'refused':
        c.fail(`${label}: ${outcome.error.message}`);
        break;
      default:
        outcome satisfies never;
    }
  }
  return { messages: reading.payloads.length, warnings };
}

/**
 * The mapping for a payload: among those that accept its type, a csv mapping whose `columns:`
 * the file's header has (synthea-patients for patients.csv, synthea-allergies for
 * allergies.csv), else one that declares no columns, else the first.
 */
function mappingFor(payload: Payload, mappings: readonly CompiledMapping[]): CompiledMapping {
  const type = typeOf(payload);
  const accepting = mappings.filter((m) => m.messageTypes.length === 0 || m.accepts(type));
  const pool = accepting.length > 0 ? accepting : mappings;
  if (payload.kind === 'csv') {
    const header = payload.rows[0]?.columns ?? {};
    const fits = pool.find((m) => m.columns !== undefined && m.columns.every((c) => c in header));
    if (fits !== undefined) return fits;
    const open = pool.find((m) => m.columns === undefined);
    if (open !== undefined) return open;
  }
  return pool[0] as CompiledMapping;
}

/** `row 12`, `rows 12–14`, `CT object` */
function labelOf(payload: Payload): string {
  if (payload.kind === 'csv') {
    const first = payload.rows[0]?.line ?? 0;
    const last = payload.rows.at(-1)?.line ?? first;
    return last === first ? `row ${first}` : `rows ${first}–${last}`;
  }
  const type = typeOf(payload);
  return `${type || payload.kind} object`;
}
