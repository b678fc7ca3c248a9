/**
 * What every compile step shares: the YAML source (for file:line:col), the diagnostics found
 * so far, and what the rest of the mapping declares (resources for `ref:`, groups for
 * `forEach:`, tables for `map:`). A step that finds an error records it and returns a
 * harmless stand-in, so one load reports every problem of the file.
 */
import { isScalar } from 'yaml';
import type { Diagnostic, PathSegment } from '../../config/index.js';
import { formatPath } from '../../config/index.js';
import { didYouMean } from '../../config/suggest.js';
import { offsetInScalar, type Target, type YamlSource } from '../../config/yaml.js';
import { compilePath, type Hl7Path } from '../../hl7/index.js';
import { isMedibusError } from '../../errors.js';
import type { ConverterLookup, SegmentConversion } from '../hl7v2/datatypes/types.js';
import type { Structure } from '../hl7v2/groups.js';
import type { ResolvedTable } from '../terminology/mapping-tables.js';
import type { UnmappedPolicy } from '../language/types.js';

/** The conversions the compiler picks from (the datatypes module's, or a test's). */
export interface ConversionSet {
  readonly lookupConverter: ConverterLookup;
  readonly segmentConversions: ReadonlyMap<string, SegmentConversion>;
}

export class CompileContext {
  readonly diagnostics: Diagnostic[] = [];
  /** resource name → its FHIR type, filled before any rule is compiled (refs may point forward) */
  readonly resources = new Map<string, string>();
  structure: Structure | undefined;
  usesExpressions = false;
  private exprIds = 0;

  constructor(
    readonly source: YamlSource,
    readonly conversions: ConversionSet,
    readonly tables: ReadonlyMap<string, ResolvedTable>,
    readonly knownTables: readonly string[],
    /** the mapping's top-level `unmapped:`, when written */
    readonly unmapped: UnmappedPolicy | undefined,
  ) {}

  /**
   * Records an error at the node under `path`; `offset` points inside a scalar (the column
   * where a path goes wrong), `target: 'key'` at the key rather than its value.
   */
  error(path: readonly PathSegment[], message: string, options: { target?: Target; offset?: number } = {}): void {
    const { node, position } = this.source.locate(path, options.target ?? 'value');
    let where = position;
    if (options.offset !== undefined && node !== undefined && isScalar(node)) {
      where = this.source.position(offsetInScalar(this.source.text, node, options.offset));
    }
    this.diagnostics.push({
      file: this.source.file,
      line: where.line,
      column: where.column,
      severity: 'error',
      code: 'MEDIBUS_ERR_MAPPING_COMPILE',
      path: formatPath(path),
      message,
    });
  }

  /** An HL7 path, or undefined after reporting where it goes wrong. */
  path(text: string, at: readonly PathSegment[]): Hl7Path | undefined {
    try {
      return compilePath(text);
    } catch (error) {
      if (!isMedibusError(error)) throw error;
      const column = error.location?.column;
      this.error(at, `${error.message}; paths look like PID-3, PID-3[2].1, OBX[2]-5`, { offset: column === undefined ? undefined : column - 1 });
      return undefined;
    }
  }

  /** ` — did you mean "x"?` among the names given */
  suggest(word: string, candidates: readonly string[]): string {
    return didYouMean(word, candidates);
  }

  nextExpressionId(): number {
    this.usesExpressions = true;
    return this.exprIds++;
  }
}
