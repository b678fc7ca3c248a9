/**
 * `map:` — a code table applied to the converted value (docs/mapping-language.md, "Code
 * tables"; the tables are the IG's ConceptMaps):
 *  - a code/string element gets the target code (PID-8 `F` → gender `female`);
 *  - a Coding is replaced by the target coding (PV1-2 `I` → class v3-ActCode `IMP`, as the
 *    IG's PatientClass[EncounterClass] map does);
 *  - a CodeableConcept keeps the sender's coding and gains the target one after it
 *    (translations sit beside the original, FHIR R4 §4.3 "Using codes").
 * For a code the table lacks, the policy is the rule's `unmapped:`, else the mapping's
 * `tables:` entry's, else the mapping's top-level `unmapped:`, else the table file's own.
 */
import type { Coding, CodeableConcept } from '@medplum/fhirtypes';
import type { PathSegment } from '../../config/index.js';
import type { CompileContext } from './context.js';
import type { Run } from '../run/context.js';
import type { CodeTarget } from '../terminology/index.js';
import type { UnmappedPolicy } from '../language/types.js';

/** What a table lookup asks of the run: HL7's Run, or the record engine's for DICOM and CSV. */
export type CodeRun = Pick<Run, 'warn' | 'error'>;

/** The mapped value, the value as is (kept), or undefined (nothing to place). */
export type Mapper = (value: unknown, run: CodeRun) => unknown;

const TEXT_TYPES = new Set(['code', 'string', 'id', 'uri', 'markdown']);

export function compileMap(cx: CompileContext, name: string, ruleUnmapped: UnmappedPolicy | undefined, fhirType: string, fhirPath: string, at: readonly PathSegment[]): Mapper | undefined {
  const resolved = cx.tables.get(name);
  if (resolved === undefined) {
    cx.error(at, `unknown table "${name}": not in tables: and no file terminology/${name}.yaml${cx.suggest(name, cx.knownTables)}`);
    return undefined;
  }
  const { table } = resolved;
  const policy: UnmappedPolicy = ruleUnmapped ?? resolved.unmapped ?? cx.unmapped ?? table.unmapped;
  const unmapped = (value: unknown, code: string, run: CodeRun): unknown => {
    switch (policy) {
      case 'keep':
        return value;
      case 'warn':
        run.warn(`code "${code}" is not in table ${name}; kept as sent (${fhirPath})`);
        return value;
      case 'drop':
        run.warn(`code "${code}" is not in table ${name}; left out (${fhirPath})`);
        return undefined;
      case 'reject':
        throw run.error('MEDIBUS_ERR_MAPPING_UNMAPPED_CODE', `code "${code}" is not in table ${name} (${fhirPath})`);
      default:
        policy satisfies never;
        return value;
    }
  };

  if (TEXT_TYPES.has(fhirType)) {
    return (value, run) => {
      const code = String(value);
      const found = table.lookup(code);
      return found === undefined ? unmapped(value, code, run) : found.code;
    };
  }
  if (fhirType === 'Coding') {
    return (value, run) => {
      const coding = value as Coding;
      if (!table.translates(coding.system)) return value; // another system's code: not this table's to judge
      const found = coding.code === undefined ? undefined : table.lookup(coding.code, coding.system);
      return found === undefined ? unmapped(value, coding.code ?? '', run) : codingOf(found);
    };
  }
  if (fhirType === 'CodeableConcept') {
    return (value, run) => {
      const concept = value as CodeableConcept;
      const codings = concept.coding ?? [];
      let candidate: Coding | undefined;
      for (const coding of codings) {
        if (coding.code === undefined || !table.translates(coding.system)) continue;
        candidate ??= coding;
        const found = table.lookup(coding.code, coding.system);
        if (found === undefined) continue;
        for (const c of codings) if (c.code === found.code && c.system === found.system) return value;
        // the concept is the conversion's own, just made (never a shared constant): extended in place
        codings.push(codingOf(found));
        return value;
      }
      // only codes of other systems (a LOINC code through a local lab table): nothing to translate
      if (candidate === undefined && codings.length > 0) return value;
      return unmapped(value, candidate?.code ?? concept.text ?? '', run);
    };
  }
  cx.error(at, `map: translates codes into code, string, Coding or CodeableConcept elements; ${fhirPath} is a ${fhirType}`);
  return undefined;
}

/** A fresh object: table targets are shared and frozen, bundles are not. */
function codingOf(target: CodeTarget): Coding {
  const coding: Coding = {};
  if (target.system !== undefined) coding.system = target.system;
  coding.code = target.code;
  if (target.display !== undefined) coding.display = target.display;
  return coding;
}
