/**
 * mappings/mapping.schema.json is generated from src/mapping/schema.ts and committed for
 * editors (yaml-language-server); this keeps the two in step and the descriptions complete.
 * To regenerate after changing schema.ts: MEDIBUS_UPDATE_SCHEMA=1 npx vitest run test/mapping/schema.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mappingSchema } from '../../src/mapping/index.js';
import { MAPPINGS } from './support.js';

const FILE = path.join(MAPPINGS, 'mapping.schema.json');

describe('mapping JSON Schema', () => {
  it('is committed as generated', () => {
    const generated = `${JSON.stringify(mappingSchema(), null, 2)}\n`;
    if (process.env['MEDIBUS_UPDATE_SCHEMA'] === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8'), 'mappings/mapping.schema.json is stale: MEDIBUS_UPDATE_SCHEMA=1 npx vitest run test/mapping/schema.test.ts').toBe(generated);
  });

  it('describes every property', () => {
    const missing: string[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as Record<string, unknown>;
      for (const [name, property] of Object.entries((node['properties'] ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof property['description'] !== 'string' || property['description'] === '') missing.push(`${where}.${name}`);
        walk(property, `${where}.${name}`);
      }
      for (const key of ['items', 'additionalProperties']) walk(node[key], `${where}[${key}]`);
      for (const [name, def] of Object.entries((node['$defs'] ?? {}) as Record<string, unknown>)) walk(def, `$defs.${name}`);
    };
    walk(mappingSchema(), '');
    expect(missing).toEqual([]);
  });
});
