/**
 * The layer check (scripts/layers.ts, `npm run layers`) over the real src/, and over small trees
 * that break it, so that a new import pointing up fails `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, formatReport, importsOf } from '../scripts/layers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees: string[] = [];

/** A throwaway repository root whose src/ holds the given files. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'medibus-layers-'));
  trees.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, 'src', name)), { recursive: true });
    writeFileSync(path.join(root, 'src', name), text);
  }
  return root;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('layers', () => {
  it('src/ has no import that points up and no cycle between folders', () => {
    const report = checkLayers(path.join(ROOT, 'src'));
    expect(formatReport(report).split('\n').filter((l) => !l.startsWith('note:') && !l.startsWith('layers OK'))).toEqual([]);
  });

  it('reports an import of a higher folder, with both files', () => {
    const root = tree({
      'util/text.ts': "import { run } from '../cli/main.js';\nexport const x = run;\n",
      'cli/main.ts': "import '../util/text.js';\nexport const run = 1;\n",
    });
    const report = checkLayers(path.join(root, 'src'));
    expect(report.upward.map((u) => `${u.from} → ${u.to}`)).toEqual(['util/text.ts → cli/main.ts']);
    expect(report.unitCycles).toEqual([['cli', 'util']]);
  });

  it('counts a type-only import that points up as well', () => {
    const root = tree({ 'hl7/a.ts': "import type { Config } from '../config/types.js';\nexport type A = Config;\n", 'config/types.ts': 'export type Config = 1;\n' });
    const [up] = checkLayers(path.join(root, 'src')).upward;
    expect(up).toMatchObject({ from: 'hl7/a.ts', to: 'config/types.ts', typeOnly: true, fromUnit: 'hl7', toUnit: 'config' });
  });

  it('asks for a new folder to be placed in the order', () => {
    const root = tree({ 'astm/read.ts': "import { x } from '../util/a.js';\nexport const y = x;\n", 'util/a.ts': 'export const x = 1;\n' });
    expect(checkLayers(path.join(root, 'src')).upward.map((u) => u.fromUnit)).toEqual(['astm']);
  });

  it('reports a value cycle between files of one folder, and only notes a type-only one', () => {
    const root = tree({
      'hl7/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'hl7/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
      'broker/c.ts': "import type { D } from './d.js';\nexport type C = D;\n",
      'broker/d.ts': "import type { C } from './c.js';\nexport type D = C;\n",
    });
    const report = checkLayers(path.join(root, 'src'));
    expect(report.fileCycles).toEqual([['hl7/a.ts', 'hl7/b.ts']]);
    expect(report.typeOnlyCycles).toEqual([['broker/c.ts', 'broker/d.ts']]);
  });

  it('reads every kind of import, and not the ones in comments', () => {
    const text = [
      "import a from './a.js';",
      "import { type B, type C } from './b.js';",
      "export { d } from './d.js';",
      "export type * from './e.js';",
      "type F = import('./f.js').F;",
      "const g = await import('./g.js');",
      "// import h from './h.js';",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(importsOf(text, 'x.ts')).toEqual([
      { spec: './a.js', typeOnly: false },
      { spec: './b.js', typeOnly: true },
      { spec: './d.js', typeOnly: false },
      { spec: './e.js', typeOnly: true },
      { spec: './f.js', typeOnly: true },
      { spec: './g.js', typeOnly: false },
    ]);
  });

  it('npm run layers exits 1 on a violation and prints it', () => {
    const root = tree({ 'util/a.ts': "export { y } from '../pipeline/b.js';\n", 'pipeline/b.ts': 'export const y = 1;\n' });
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    const result = spawnSync(tsx, [path.join(ROOT, 'scripts/layers.ts'), root], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('up: src/util/a.ts imports src/pipeline/b.ts: util → pipeline');
  });
});
