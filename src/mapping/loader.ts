/**
 * Loading mapping files: YAML with positions → JSON Schema (the config loader, so diagnostics
 * read like a channel's) → code tables → compile. Everything wrong in a file is reported at
 * once, as `file:line:col error CODE path: message`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { hasErrors, loadYamlFile, sortDiagnostics, type Diagnostic, type Env } from '../config/index.js';
import type { ConversionSet } from './compile/context.js';
import { compileMapping } from './compile/mapping.js';
import { DIALECTS } from './dialects.js';
import { compileRecordMapping } from './record/compile.js';
import { DEFAULT_CONVERSIONS } from './conversions.js';
import { ensureFhirModel } from './fhir/model.js';
import { mappingSchema } from './language/schema.js';
import { resolveTables } from './terminology/mapping-tables.js';
import type { CompiledMapping, MappingDoc } from './language/types.js';

export interface LoadMappingOptions {
  /** where `map: name` finds terminology/<name>.yaml; the mapping file's directory by default */
  readonly mappingsDir?: string;
  /** `${VAR}` source, process.env by default */
  readonly env?: Env;
  /** @internal the datatype conversions; the shipped ones by default (tests pass their own) */
  readonly conversions?: ConversionSet;
}

export interface LoadedMapping {
  /** undefined when any diagnostic is an error */
  readonly mapping: CompiledMapping | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export async function loadMapping(file: string, options: LoadMappingOptions = {}): Promise<LoadedMapping> {
  ensureFhirModel();
  const loaded = await loadYamlFile<MappingDoc>(file, mappingSchema(), { env: options.env });
  if (loaded.value === undefined || loaded.source === undefined) return { mapping: undefined, diagnostics: loaded.diagnostics };
  const tables = await resolveTables(loaded.value, loaded.file, path.resolve(options.mappingsDir ?? path.dirname(loaded.file)));
  const input = loaded.value.input ?? 'hl7v2';
  const compiled =
    input === 'hl7v2'
      ? compileMapping(loaded.value, loaded.source, options.conversions ?? DEFAULT_CONVERSIONS, tables)
      : compileRecordMapping(loaded.value, loaded.source, tables, DIALECTS[input], options.conversions ?? DEFAULT_CONVERSIONS);
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...tables.diagnostics, ...compiled.diagnostics]);
  return { mapping: hasErrors(diagnostics) ? undefined : compiled.mapping, diagnostics };
}

/**
 * Every mapping (`*.yaml`, `*.yml`) of a directory, by id, not recursive (terminology/ is a
 * subdirectory). If any file has an error, no mapping is returned: a deploy with one broken
 * mapping changes nothing.
 */
export async function loadMappings(dir: string, options: Omit<LoadMappingOptions, 'mappingsDir'> = {}): Promise<{ mappings: Map<string, CompiledMapping>; diagnostics: Diagnostic[] }> {
  const root = path.resolve(dir);
  let files: string[];
  try {
    const entries = await readdir(root, { withFileTypes: true });
    files = entries
      .filter((e) => e.isFile() && !e.name.startsWith('.') && /\.ya?ml$/.test(e.name))
      .map((e) => path.join(root, e.name))
      .sort();
  } catch (error) {
    const message = `cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`;
    return { mappings: new Map(), diagnostics: [{ file: root, line: 0, column: 0, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_IO', path: '', message }] };
  }
  const results = await Promise.all(files.map((file) => loadMapping(file, { ...options, mappingsDir: root })));
  const mappings = new Map<string, CompiledMapping>();
  const diagnostics: Diagnostic[] = [];
  for (const result of results) {
    diagnostics.push(...result.diagnostics);
    const mapping = result.mapping;
    if (mapping === undefined) continue;
    const other = mappings.get(mapping.id);
    if (other !== undefined) {
      diagnostics.push({ file: mapping.file, line: 1, column: 1, severity: 'error', code: 'MEDIBUS_ERR_CONFIG_DUPLICATE', path: 'id', message: `mapping id "${mapping.id}" is already used by ${other.file}` });
      continue;
    }
    mappings.set(mapping.id, mapping);
  }
  const sorted = sortDiagnostics(diagnostics);
  return { mappings: hasErrors(sorted) ? new Map() : mappings, diagnostics: sorted };
}
