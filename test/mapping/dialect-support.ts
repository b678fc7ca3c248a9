/**
 * Helpers for the tests of the DICOM and CSV dialects: a mapping written inline (to a file in a
 * temporary directory, loaded as `medibus` loads one), its diagnostics as `medibus` prints them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDiagnostic } from '../../src/config/index.js';
import { isMedibusError } from '../../src/errors.js';
import { loadMapping, type CompiledMapping } from '../../src/mapping/index.js';
import { MAPPINGS } from './support.js';

const DIR = mkdtempSync(path.join(tmpdir(), 'medibus-dialect-'));
let n = 0;

/** Loads `yaml` as the file `<name>.yaml` (by default `<id>.yaml`); diagnostics are `<name>.yaml:line:col error CODE path: message`. */
export async function inline(yaml: string, name = /^id: (\S+)$/m.exec(yaml)?.[1] ?? `m${++n}`): Promise<{ mapping: CompiledMapping | undefined; diagnostics: string[] }> {
  const file = path.join(DIR, `${name}.yaml`);
  writeFileSync(file, yaml);
  const { mapping, diagnostics } = await loadMapping(file, { mappingsDir: MAPPINGS });
  return { mapping, diagnostics: diagnostics.map((d) => formatDiagnostic(d, DIR)) };
}

/** A mapping that must load without any diagnostic. */
export async function compiled(yaml: string): Promise<CompiledMapping> {
  const { mapping, diagnostics } = await inline(yaml);
  if (mapping === undefined || diagnostics.length > 0) throw new Error(`mapping did not load cleanly:\n${diagnostics.join('\n')}`);
  return mapping;
}

/** What `run` throws, as `CODE: message` (a MedibusError); fails the test when it does not throw. */
export function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isMedibusError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('did not fail');
}
