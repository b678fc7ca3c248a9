/**
 * Helpers for the mapping tests: fixtures by name (fixtures/mapping/), mappings loaded with the
 * shipped conversions and tables, diagnostics as the user sees them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { formatDiagnostic } from '../../src/config/index.js';
import { parseMessage, type Hl7Message } from '../../src/hl7/index.js';
import { loadMapping, type CompiledMapping, type LoadMappingOptions } from '../../src/mapping/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = path.join(ROOT, 'fixtures/mapping');
export const MAPPINGS = path.join(ROOT, 'mappings');

/** A mapping of fixtures/mapping (or a path from the repository root), which must load without error. */
export async function mapping(name: string, options: LoadMappingOptions = {}): Promise<CompiledMapping> {
  const file = name.includes('/') ? path.join(ROOT, name) : path.join(FIXTURES, `${name}.yaml`);
  const { mapping: loaded, diagnostics } = await loadMapping(file, { mappingsDir: MAPPINGS, ...options });
  if (loaded === undefined) throw new Error(`${name} did not load:\n${diagnostics.map((d) => formatDiagnostic(d, ROOT)).join('\n')}`);
  return loaded;
}

/** The diagnostics of a mapping file as `medibus` prints them, paths relative to the repository. */
export async function diagnosticsOf(relative: string): Promise<string[]> {
  const { mapping: loaded, diagnostics } = await loadMapping(path.join(ROOT, relative), { mappingsDir: MAPPINGS });
  if (loaded !== undefined && diagnostics.some((d) => d.severity === 'error')) throw new Error('a mapping with errors was returned');
  return diagnostics.map((d) => formatDiagnostic(d, ROOT));
}

/** An HL7 fixture of fixtures/mapping by name (without .hl7). */
export function message(name: string): Hl7Message {
  return parseMessage(readFileSync(path.join(FIXTURES, `${name}.hl7`)));
}

/** Every resource of the bundle of this type, in bundle order. */
export function resources<T extends Resource = Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).filter((e) => e.resource?.resourceType === type).map((e) => e.resource as T);
}

/** The one resource of this type (fails the test if there is not exactly one). */
export function only<T extends Resource = Resource>(bundle: Bundle, type: T['resourceType']): T {
  const found = resources<T>(bundle, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The entry whose fullUrl a reference points to. */
export function resolve(bundle: Bundle, reference: string | undefined): BundleEntry | undefined {
  return bundle.entry?.find((e) => e.fullUrl === reference);
}
