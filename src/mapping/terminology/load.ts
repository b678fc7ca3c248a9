/**
 * Loading code tables: medibus YAML (codeTableSchema) or FHIR R4 ConceptMap JSON, through
 * the config loader, so every problem comes back as a diagnostic at file:line:column and a
 * broken table is never half-loaded.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYamlText, type Diagnostic, type LoadYamlOptions } from '../../config/index.js';
import { hasErrors } from '../../config/index.js';
import { codeTableSchema, conceptMapSchema } from './schema.js';
import { CodeTable, type CodeTableDefinition, type UnmappedPolicy } from './table.js';
import { conceptMapToDefinition, type ConceptMapInput } from './conceptmap.js';

export interface LoadedCodeTable {
  /** undefined when any diagnostic is an error */
  readonly table: CodeTable | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadCodeTableOptions extends LoadYamlOptions {
  /** policy for a ConceptMap, which has no medibus `unmapped` key (default keep) */
  readonly unmapped?: UnmappedPolicy;
}

/** The shipped tables (mappings/terminology), from src/ or dist/ alike. */
export const SHIPPED_TABLES_DIR = fileURLToPath(new URL('../../../mappings/terminology/', import.meta.url));

/** A ConceptMap is recognised by its resourceType; anything else is a medibus table. */
const CONCEPT_MAP = /"resourceType"\s*:\s*"ConceptMap"/;

export async function loadCodeTable(file: string, options: LoadCodeTableOptions = {}): Promise<LoadedCodeTable> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return { table: undefined, diagnostics: [{ file: absolute, line: 0, column: 0, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message: `cannot read: ${reason}` }] };
  }
  return codeTableFromText(text, absolute, options);
}

/** As loadCodeTable, for text already read (tests, the CLI's stdin). */
export function codeTableFromText(text: string, file: string, options: LoadCodeTableOptions = {}): LoadedCodeTable {
  if (CONCEPT_MAP.test(text)) {
    const result = loadYamlText<ConceptMapInput>(text, file, conceptMapSchema, options);
    if (result.value === undefined) return { table: undefined, diagnostics: result.diagnostics };
    const { definition, diagnostics } = conceptMapToDefinition(result.value, result.file, options.unmapped ?? 'keep', result.source);
    const all = [...result.diagnostics, ...diagnostics];
    return { table: hasErrors(all) ? undefined : new CodeTable(definition, result.file), diagnostics: all };
  }
  const result = loadYamlText<CodeTableDefinition>(text, file, codeTableSchema, options);
  return { table: result.value === undefined ? undefined : new CodeTable(result.value, result.file), diagnostics: result.diagnostics };
}

/**
 * Every table of a directory (`*.yaml`, `*.yml`, `*.json`; not recursive), by id. Duplicate
 * ids are errors at the second file. No table is returned if any diagnostic is an error.
 */
export async function loadCodeTables(dir: string = SHIPPED_TABLES_DIR, options: LoadCodeTableOptions = {}): Promise<{ tables: Map<string, CodeTable>; diagnostics: Diagnostic[] }> {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => !n.startsWith('.') && /\.(ya?ml|json)$/.test(n) && !n.endsWith('.schema.json')).sort();
  } catch (error) {
    const message = `cannot read: ${(error as Error).message}`;
    return { tables: new Map(), diagnostics: [{ file: root, line: 0, column: 0, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message }] };
  }
  const loaded = await Promise.all(names.map((n) => loadCodeTable(path.join(root, n), options)));
  const tables = new Map<string, CodeTable>();
  const diagnostics: Diagnostic[] = [];
  for (const { table, diagnostics: found } of loaded) {
    diagnostics.push(...found);
    if (table === undefined) continue;
    const other = tables.get(table.id);
    if (other) {
      diagnostics.push({ file: table.file ?? root, line: 1, column: 1, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_DUPLICATE', path: 'id', message: `table id "${table.id}" is already used by ${other.file ?? 'another table'}` });
      continue;
    }
    tables.set(table.id, table);
  }
  return { tables: hasErrors(diagnostics) ? new Map() : tables, diagnostics };
}
