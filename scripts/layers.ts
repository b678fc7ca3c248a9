/**
 * The layer check: no relative import in src/ points up, and no two folders import each other.
 *
 *   npm run layers            (npx tsx scripts/layers.ts [root])   exit 1 on any violation
 *   npm run layers -- --graph                                      also print the folder graph
 *
 * A file's unit is its folder under src/ (src/mapping/hl7v2/read.ts → mapping/hl7v2), or its own
 * name for a file at the top of src/ (src/errors.ts → errors). LAYERS lists the units bottom-up:
 * a unit may import its own unit, any unit listed below it, and its own subfolders' parents'
 * peers only through that order. An import of a unit listed higher is reported as pointing up;
 * an import of a unit not listed at all is reported too, so a new folder has to be placed.
 * Cycles between units are reported separately (they always contain an upward import, but the
 * cycle is the easier thing to read). Cycles between files inside one unit are listed as well,
 * value imports and type-only ones apart; the ones in ALLOWED_FILE_CYCLES are the grammar's own
 * recursion and are not errors.
 *
 * It reads the imports with the TypeScript parser (comments and strings cannot fool it), and
 * needs no build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Bottom-up. Each entry may import only entries before it (and itself). Peers that must not
 * know each other still get an order here; the order is the one the code has.
 */
export const LAYERS = [
  // errors.ts imports nothing; util may throw its coded errors (util/at-rest.ts, util/tls.ts)
  'errors',
  'util',
  'log',
  'tls',
  'hl7',
  'dicom',
  'csv',
  'kinds',
  'mllp',
  'fhir',
  'fhir-server',
  'status',
  'store',
  'broker',
  'sources',
  'destinations',
  'config',
  'mapping/language',
  'mapping/hl7v2',
  'mapping/terminology',
  'mapping/fhir',
  'mapping/run',
  'mapping/compile',
  'mapping/record',
  'mapping/dicom',
  'mapping/csv',
  'mapping',
  'pipeline',
  'ops/core',
  'ops/web',
  'ops/plugins',
  'ops',
  'start-failure',
  'engine',
  'cli',
] as const;

/**
 * File cycles kept on purpose: the mapping language is recursive (a `set` holds values, a value
 * may hold a `set`), and the compiler mirrors the grammar.
 */
export const ALLOWED_FILE_CYCLES: readonly (readonly string[])[] = [['mapping/compile/set.ts', 'mapping/compile/value.ts']];

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

export interface LayerReport {
  /** value or type imports of a unit listed higher (or not listed) */
  readonly upward: readonly (Edge & { readonly fromUnit: string; readonly toUnit: string })[];
  /** cycles between units, each as the list of units in order */
  readonly unitCycles: readonly (readonly string[])[];
  /** cycles between files of one unit that are not allowed, value edges */
  readonly fileCycles: readonly (readonly string[])[];
  /** cycles that exist only through type-only imports (informational) */
  readonly typeOnlyCycles: readonly (readonly string[])[];
  /** unit → units it imports */
  readonly graph: ReadonlyMap<string, ReadonlySet<string>>;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Relative module specifiers of one file, each marked type-only or not. */
export function importsOf(text: string, fileName: string): { spec: string; typeOnly: boolean }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let typeOnly = clause?.isTypeOnly ?? false;
      // `import { type A, type B } from` is type-only too; a bare `import 'x'` is a value import
      if (clause && !typeOnly && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        const elements = clause.namedBindings.elements;
        typeOnly = elements.length > 0 && elements.every((e) => e.isTypeOnly);
      }
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      let typeOnly = node.isTypeOnly;
      if (!typeOnly && node.exportClause && ts.isNamedExports(node.exportClause)) {
        const elements = node.exportClause.elements;
        typeOnly = elements.length > 0 && elements.every((e) => e.isTypeOnly);
      }
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) out.push({ spec: arg.literal.text, typeOnly: true });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((i) => i.spec.startsWith('.'));
}

/** The unit of a path relative to src/, without extension: 'mapping/hl7v2/read' → 'mapping/hl7v2'. */
export function unitOf(rel: string): string {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? rel.replace(/\.ts$/, '') : dir;
}

/** The listed layer a unit belongs to: itself if listed, else its nearest listed parent. */
function layerOf(unit: string): string | undefined {
  const layers: readonly string[] = LAYERS;
  for (let u = unit; u !== '.'; u = path.posix.dirname(u)) if (layers.includes(u)) return u;
  return undefined;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

function addEdge(graph: Map<string, Set<string>>, from: string, to: string): void {
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  if (from !== to) graph.get(from)!.add(to);
}

/** Reads every .ts file under `srcDir` and checks its relative imports against LAYERS. */
export function checkLayers(srcDir: string): LayerReport {
  const files = listTs(srcDir).map((f) => path.relative(srcDir, f).split(path.sep).join('/'));
  const edges: Edge[] = [];
  for (const rel of files) {
    for (const { spec, typeOnly } of importsOf(readFileSync(path.join(srcDir, rel), 'utf8'), rel)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: rel, to: target, typeOnly });
    }
  }
  const order: readonly string[] = LAYERS;
  const upward: (Edge & { fromUnit: string; toUnit: string })[] = [];
  const unitGraph = new Map<string, Set<string>>();
  const valueFiles = new Map<string, Set<string>>();
  const allFiles = new Map<string, Set<string>>();
  for (const e of edges) {
    const fromUnit = layerOf(unitOf(e.from)) ?? unitOf(e.from);
    const toUnit = layerOf(unitOf(e.to)) ?? unitOf(e.to);
    addEdge(unitGraph, fromUnit, toUnit);
    const fi = order.indexOf(fromUnit);
    const ti = order.indexOf(toUnit);
    if (fromUnit !== toUnit && (fi < 0 || ti < 0 || ti > fi)) upward.push({ ...e, fromUnit, toUnit });
    if (fromUnit === toUnit) {
      addEdge(allFiles, e.from, e.to);
      if (!e.typeOnly) addEdge(valueFiles, e.from, e.to);
    }
  }
  const allowed = new Set(ALLOWED_FILE_CYCLES.map((c) => [...c].sort().join(' ')));
  const valueCycles = cycles(valueFiles);
  const valueKeys = new Set(valueCycles.map((c) => c.join(' ')));
  return {
    upward,
    unitCycles: cycles(unitGraph),
    fileCycles: valueCycles.filter((c) => !allowed.has(c.join(' '))),
    typeOnlyCycles: cycles(allFiles).filter((c) => !valueKeys.has(c.join(' ')) && !allowed.has(c.join(' '))),
    graph: unitGraph,
  };
}

export function formatReport(r: LayerReport, withGraph = false): string {
  const lines: string[] = [];
  if (withGraph) {
    lines.push('units, bottom-up, with what each imports:');
    const order: readonly string[] = LAYERS;
    const keys = [...r.graph.keys()].sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
    for (const k of keys) lines.push(`  ${k} → ${[...r.graph.get(k)!].sort().join(', ') || '(nothing)'}`);
  }
  for (const u of r.upward) {
    lines.push(`up: src/${u.from} imports src/${u.to}${u.typeOnly ? ' (type only)' : ''}: ${u.fromUnit} → ${u.toUnit}`);
  }
  for (const c of r.unitCycles) lines.push(`cycle between folders: ${c.join(' ↔ ')}`);
  for (const c of r.fileCycles) lines.push(`cycle between files: ${c.map((f) => `src/${f}`).join(' ↔ ')}`);
  for (const c of r.typeOnlyCycles) lines.push(`note: type-only cycle (allowed): ${c.map((f) => `src/${f}`).join(' ↔ ')}`);
  const errors = r.upward.length + r.unitCycles.length + r.fileCycles.length;
  lines.push(errors === 0 ? `layers OK: ${LAYERS.join(' < ')}` : `${errors} layer violation(s); order: ${LAYERS.join(' < ')}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const report = checkLayers(path.join(root, 'src'));
  console.log(formatReport(report, args.includes('--graph')));
  process.exitCode = report.upward.length + report.unitCycles.length + report.fileCycles.length === 0 ? 0 : 1;
}
