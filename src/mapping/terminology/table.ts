/**
 * A loaded code table: source code → target code, looked up once per coded field of every
 * message, so lookups are one Map.get and return shared frozen objects (no allocation).
 */
import { knownCodingSystem, localSystem } from '../hl7v2/datatypes/coding-systems.js';
import type { UNMAPPED_POLICIES } from './schema.js';

/** What a code maps to. `system` is always set when the table (or the entry) names one. */
export interface CodeTarget {
  readonly code: string;
  readonly system?: string;
  readonly display?: string;
}

/**
 * For codes the table does not hold (the runtime applies it; `lookup` just returns undefined):
 * `keep` the source code as is, `warn` keep it and record a warning, `reject` fail the
 * message with MEDIBUS_ERR_MAPPING_UNMAPPED_CODE.
 */
export type UnmappedPolicy = (typeof UNMAPPED_POLICIES)[number];

/** A table as written in YAML (codeTableSchema), after validation. */
export interface CodeTableDefinition {
  readonly id: string;
  readonly description?: string;
  readonly source?: string;
  readonly target?: string;
  readonly unmapped?: UnmappedPolicy;
  readonly codes: Readonly<Record<string, string | { readonly code: string; readonly display?: string; readonly system?: string }>>;
}

export class CodeTable {
  readonly id: string;
  readonly description: string | undefined;
  /** source code system, normalised to a URI (`HL70001` → http://terminology.hl7.org/CodeSystem/v2-0001) */
  readonly source: string | undefined;
  readonly target: string | undefined;
  readonly unmapped: UnmappedPolicy;
  /** the file it came from, for diagnostics; undefined for inline tables */
  readonly file: string | undefined;
  private readonly codes = new Map<string, CodeTarget>();

  constructor(definition: CodeTableDefinition, file?: string) {
    this.id = definition.id;
    this.description = definition.description;
    this.source = definition.source === undefined ? undefined : systemUri(definition.source);
    this.target = definition.target;
    this.unmapped = definition.unmapped ?? 'keep';
    this.file = file;
    for (const [code, to] of Object.entries(definition.codes)) {
      const entry = typeof to === 'string' ? { code: to } : to;
      const system = entry.system ?? this.target;
      this.codes.set(
        code,
        Object.freeze({
          code: entry.code,
          ...(system === undefined ? {} : { system }),
          ...(entry.display === undefined ? {} : { display: entry.display }),
        }),
      );
    }
  }

  /**
   * The target of a source code, or undefined when the table does not hold it. With
   * `sourceSystem` (the coding system name sent in CWE.3, or its URI), a code from another
   * system than the table's `source` is not this table's code: undefined.
   */
  lookup(code: string, sourceSystem?: string): CodeTarget | undefined {
    return this.translates(sourceSystem) ? this.codes.get(code) : undefined;
  }

  /**
   * Whether codes of this system are the table's business: any system when the table names no
   * `source`, else its source (by name or URI) or no system at all. A LOINC coding is not a
   * local lab table's concern, so it is neither translated nor "unmapped".
   */
  translates(sourceSystem?: string): boolean {
    return sourceSystem === undefined || sourceSystem === '' || this.source === undefined || sourceSystem === this.source || systemUri(sourceSystem) === this.source;
  }

  get size(): number {
    return this.codes.size;
  }

  /** Every source code and its target, in file order. */
  entries(): IterableIterator<[string, CodeTarget]> {
    return this.codes.entries();
  }
}

/** A coding system name or URI, as a URI: the names medibus knows, a URI as is, else a local system. */
function systemUri(nameOrUri: string): string {
  return knownCodingSystem(nameOrUri) ?? localSystem(nameOrUri);
}
