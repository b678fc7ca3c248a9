/**
 * Finding the code tables a mapping's `map:` rules name, before compiling (loading is I/O;
 * compiling is not). A name resolves, in order, to:
 *  1. the mapping's own `tables:` entry — inline codes, or `file:` relative to the mapping;
 *  2. by convention, `<mappingsDir>/terminology/<name>.yaml` (`.yml`, `.json` for a ConceptMap);
 *  3. the table shipped with medibus (mappings/terminology/<name>.yaml), so a hospital's own
 *     mappings directory need not copy the IG tables.
 * Loading and lookups are the terminology module's (src/mapping/terminology); this file only
 * resolves names and reports unknown ones.
 */
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../../config/index.js';
import { locateInFile } from '../../config/yaml.js';
import { CodeTable, loadCodeTable, SHIPPED_TABLES_DIR } from './index.js';
import type { MappingDoc, TableDoc, UnmappedPolicy } from '../language/types.js';

export interface ResolvedTable {
  readonly name: string;
  readonly table: CodeTable;
  /** `unmapped:` on the mapping's `tables:` entry, which wins over the table file's own */
  readonly unmapped: UnmappedPolicy | undefined;
}

export interface TableResolution {
  readonly tables: ReadonlyMap<string, ResolvedTable>;
  /** every table name that could have been meant, for did-you-mean */
  readonly known: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Loads every table the mapping declares or names in a `map:`; names not found are left for the compiler to report. */
export async function resolveTables(doc: MappingDoc, file: string, mappingsDir: string): Promise<TableResolution> {
  const tables = new Map<string, ResolvedTable>();
  const diagnostics: Diagnostic[] = [];
  const dirs = [path.join(mappingsDir, 'terminology'), SHIPPED_TABLES_DIR];

  for (const [name, entry] of Object.entries(doc.tables ?? {})) {
    const loaded = await declaredTable(name, entry, file);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.table) tables.set(name, { name, table: loaded.table, unmapped: entry.unmapped });
  }
  for (const name of mapNames(doc)) {
    if (tables.has(name)) continue;
    const found = await findTableFile(name, dirs);
    if (found === undefined) continue;
    const loaded = await loadCodeTable(found);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.table) tables.set(name, { name, table: loaded.table, unmapped: undefined });
  }
  const known = new Set(Object.keys(doc.tables ?? {}));
  for (const dir of dirs) for (const name of await tableNamesIn(dir)) known.add(name);
  return { tables, known: [...known].sort(), diagnostics };
}

async function declaredTable(name: string, entry: TableDoc, mappingFile: string): Promise<{ table: CodeTable | undefined; diagnostics: readonly Diagnostic[] }> {
  if (entry.file !== undefined) {
    const tableFile = path.resolve(path.dirname(mappingFile), entry.file);
    const loaded = await loadCodeTable(tableFile);
    // a file that cannot be read is the mapping's mistake: said at its `file:` (issue 14)
    const diagnostics = await Promise.all(
      loaded.diagnostics.map(async (d) =>
        d.line === 0 && d.file === tableFile
          ? { ...d, file: mappingFile, ...(await locateInFile(mappingFile, ['tables', name, 'file'])), path: `tables.${name}.file`, code: 'MEDIBUS_ERR_CONFIG_REFERENCE' as const, message: `table file ${JSON.stringify(entry.file)}: ${d.message}` }
          : d,
      ),
    );
    return { table: loaded.table, diagnostics };
  }
  const definition = {
    id: name,
    codes: entry.codes ?? {},
    ...(entry.description === undefined ? {} : { description: entry.description }),
    ...(entry.source === undefined ? {} : { source: entry.source }),
    ...(entry.target === undefined ? {} : { target: entry.target }),
    // the entry's policy also applies as the tables: entry's (resolveTables); drop exists there only
    ...(entry.unmapped === undefined || entry.unmapped === 'drop' ? {} : { unmapped: entry.unmapped }),
  };
  return { table: new CodeTable(definition), diagnostics: [] };
}

async function findTableFile(name: string, dirs: readonly string[]): Promise<string | undefined> {
  // a name is a file name, never a path: `map: ../../etc/x` must not read outside the table directories
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return undefined;
  for (const dir of dirs) {
    for (const ext of EXTENSIONS) {
      const candidate = path.join(dir, name + ext);
      try {
        await access(candidate);
        return candidate;
      } catch {
        // not there: try the next place
      }
    }
  }
  return undefined;
}

async function tableNamesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.') && !n.endsWith('.schema.json') && EXTENSIONS.some((e) => n.endsWith(e))).map((n) => n.replace(/\.(ya?ml|json)$/, ''));
  } catch {
    return [];
  }
}

/** Every `map:` value in the mapping's rules. */
function mapNames(doc: MappingDoc): Set<string> {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'map' && typeof child === 'string') names.add(child);
        else if (key !== 'value' && key !== 'default' && key !== 'tables') walk(child);
      }
    }
  };
  walk(doc.resources);
  return names;
}
