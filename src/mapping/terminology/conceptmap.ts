/**
 * FHIR R4 ConceptMap → code table: every `group.element` with a usable target becomes an
 * entry (its group's `target` as the system). R4 `equivalence` `unmatched` and `disjoint`
 * say "there is no mapping", so such targets are skipped; of several usable targets the
 * first wins (a table maps one code to one code). A code listed twice is a warning at the
 * second element: the first is kept, as in a YAML table a duplicate key is an error.
 */
import type { Diagnostic } from '../../config/index.js';
import { formatPath } from '../../config/index.js';
import type { YamlSource } from '../../config/yaml.js';
import type { CodeTableDefinition, UnmappedPolicy } from './table.js';

export interface ConceptMapInput {
  readonly resourceType: 'ConceptMap';
  readonly id?: string;
  readonly name?: string;
  readonly title?: string;
  readonly description?: string;
  readonly sourceUri?: string;
  readonly sourceCanonical?: string;
  readonly targetUri?: string;
  readonly targetCanonical?: string;
  readonly group: readonly {
    readonly source?: string;
    readonly target?: string;
    readonly element: readonly {
      readonly code: string;
      readonly display?: string;
      readonly target?: readonly { readonly code?: string; readonly display?: string; readonly equivalence?: string }[];
    }[];
  }[];
}

const NO_MAPPING = new Set(['unmatched', 'disjoint']);

export function conceptMapToDefinition(
  map: ConceptMapInput,
  file: string,
  unmapped: UnmappedPolicy,
  source: YamlSource | undefined,
): { definition: CodeTableDefinition; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const codes: Record<string, { code: string; display?: string; system?: string }> = Object.create(null) as Record<string, { code: string }>;
  const firstGroup = map.group[0];
  // group.source/target are code systems; sourceUri/targetUri are value sets, not systems
  const tableTarget = firstGroup?.target;
  map.group.forEach((group, g) => {
    group.element.forEach((element, e) => {
      const to = element.target?.find((t) => t.code !== undefined && t.code !== '' && !NO_MAPPING.has(t.equivalence ?? ''));
      if (to?.code === undefined) return;
      if (element.code in codes) {
        const where = ['group', g, 'element', e, 'code'];
        const position = source?.locate(where).position ?? { line: 1, column: 1 };
        diagnostics.push({ file, ...position, severity: 'warning', code: 'MEDIBUS_ERR_CONFIG_DUPLICATE', path: formatPath(where), message: `code "${element.code}" is mapped more than once; the first mapping is used` });
        return;
      }
      const system = group.target ?? tableTarget;
      codes[element.code] = {
        code: to.code,
        ...(to.display === undefined ? {} : { display: to.display }),
        ...(system === undefined ? {} : { system }),
      };
    });
  });
  const id = map.id ?? map.name;
  if (id === undefined) {
    const position = source?.locate([]).position ?? { line: 1, column: 1 };
    diagnostics.push({ file, ...position, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_SCHEMA', path: '', message: 'a ConceptMap used as a code table needs an "id" (or "name"): it is the name `map:` uses' });
  }
  const sourceSystem = firstGroup?.source;
  const definition: CodeTableDefinition = {
    id: id ?? '',
    description: map.title ?? map.description,
    ...(sourceSystem === undefined ? {} : { source: sourceSystem }),
    ...(tableTarget === undefined ? {} : { target: tableTarget }),
    unmapped,
    codes,
  };
  return { definition, diagnostics };
}
