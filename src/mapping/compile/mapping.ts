/**
 * A whole mapping file, compiled: structure, identifier systems, tables, resources. Every
 * problem found is a diagnostic; a mapping with any error is not returned, so a channel never
 * runs half a mapping.
 */
import path from 'node:path';
import type { Diagnostic } from '../../config/index.js';
import type { YamlSource } from '../../config/yaml.js';
import { CompileContext, type ConversionSet } from './context.js';
import { compileResources } from './resource.js';
import { compileStructure } from '../hl7v2/structure.js';
import { createMapping } from '../run/convert.js';
import type { TableResolution } from '../terminology/mapping-tables.js';
import type { CompiledMapping, MappingDoc } from '../language/types.js';

export function compileMapping(
  doc: MappingDoc,
  source: YamlSource,
  conversions: ConversionSet,
  tables: TableResolution,
): { mapping: CompiledMapping | undefined; diagnostics: Diagnostic[] } {
  const cx = new CompileContext(source, conversions, tables.tables, tables.known, doc.unmapped);
  checkMappingFile(cx, doc, source);
  if (doc.columns !== undefined) cx.error(['columns'], 'columns: names the header row of a csv export (input: csv); an hl7v2 mapping reads segments', { target: 'key' });
  cx.structure = compileStructure(cx, doc.structure);
  const resources = compileResources(cx, doc.resources);
  if (cx.diagnostics.some((d) => d.severity === 'error')) return { mapping: undefined, diagnostics: cx.diagnostics };
  const mapping = createMapping({
    id: doc.id,
    description: doc.description,
    file: source.file,
    messageTypes: doc.messageTypes ?? [],
    requires: doc.requires,
    structure: cx.structure,
    resources,
    identifierSystems: new Map(Object.entries(doc.identifierSystems ?? {})),
    codeSystems: new Map(Object.entries(doc.codeSystems ?? {})),
    derivedMode: doc.derivedMode ?? 'create',
    usesExpressions: cx.usesExpressions,
    timestamp: conversions.lookupConverter('instant', 'DTM'),
  });
  return { mapping, diagnostics: cx.diagnostics };
}

/**
 * What every mapping file is checked for, whatever its input (hl7v2 here, dicom and csv in
 * record/compile.ts): an id that matches the file name (a warning: channels name the mapping by
 * id, medibus finds it as mappings/<id>.yaml), and each table either inline or in a file.
 */
export function checkMappingFile(cx: CompileContext, doc: MappingDoc, source: YamlSource): void {
  const expected = path.basename(source.file).replace(/\.ya?ml$/, '');
  if (doc.id !== expected) {
    const { position } = source.locate(['id']);
    cx.diagnostics.push({
      file: source.file,
      ...position,
      severity: 'warning',
      code: 'MEDIBUS_ERR_MAPPING_COMPILE',
      path: 'id',
      message: `id "${doc.id}" differs from the file name (${path.basename(source.file)}); channels name a mapping by its id and medibus looks for mappings/<id>.yaml`,
    });
  }
  for (const [name, table] of Object.entries(doc.tables ?? {})) {
    if (table.file !== undefined && table.codes !== undefined) cx.error(['tables', name], 'a table is either inline (codes:) or in a file (file:), not both');
    if (table.file === undefined && table.codes === undefined) cx.error(['tables', name], 'a table needs codes: (inline) or file: (a table file relative to this mapping)');
  }
}
