import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaJson } from '../../src/cli/commands/schema.js';
import { loadYamlText } from '../../src/config/load.js';
import { buildChannelSchema } from '../../src/config/schema.js';
import { sourceSpecs } from '../../src/sources/registry.js';
import { lines, repoRoot, stubDestination, testSpecs } from './support.js';

type Schema = Record<string, unknown>;

/** Every subschema with `properties`, with its JSON path, connector branches and $defs included. */
function objectSchemas(schema: unknown, at = '#'): [string, Schema][] {
  if (typeof schema !== 'object' || schema === null) return [];
  const found: [string, Schema][] = [];
  if (!Array.isArray(schema) && 'properties' in schema) found.push([at, schema as Schema]);
  for (const [key, child] of Object.entries(schema)) found.push(...objectSchemas(child, `${at}/${key}`));
  return found;
}

describe('channel JSON Schema', () => {
  it('is committed as channels/channel.schema.json, identical to the generated one', async () => {
    const committed = await readFile(path.join(repoRoot, 'channels', 'channel.schema.json'), 'utf8').catch(() => '(missing)');
    expect(
      committed,
      'channels/channel.schema.json is out of date (a connector or core key changed). Regenerate it:\n' +
        '  npx tsx src/cli/main.ts schema > channels/channel.schema.json\nand commit the diff.',
    ).toBe(schemaJson());
  });

  const schemas = [
    ['with the registries', buildChannelSchema()],
    ['with a destination connector', buildChannelSchema(testSpecs)],
  ] as const;

  for (const [label, schema] of schemas) {
    it(`documents every property with a description and a default or examples (${label})`, () => {
      const missing: string[] = [];
      for (const [at, object] of objectSchemas(schema)) {
        for (const [key, property] of Object.entries(object['properties'] as Record<string, Schema>)) {
          if (typeof property['description'] !== 'string') missing.push(`${at}/properties/${key}: description`);
          if (!('default' in property) && !('examples' in property) && !('const' in property)) missing.push(`${at}/properties/${key}: default or examples`);
        }
      }
      expect(missing).toEqual([]);
    });

    it(`refuses unknown keys in every mapping (${label})`, () => {
      const open = objectSchemas(schema)
        .filter(([, object]) => object['additionalProperties'] !== false)
        .map(([at]) => at);
      expect(open).toEqual([]);
    });
  }

  it('puts the common destination keys beside the connector\'s own', () => {
    const schema = buildChannelSchema(testSpecs) as { properties: { destinations: { items: { oneOf: Schema[] } } } };
    const stub = schema.properties.destinations.items.oneOf[0] as { required: string[]; properties: Schema };
    expect(Object.keys(stub.properties)).toEqual(['name', 'type', 'url', 'timeout', 'ordering', 'retry']);
    expect(stub.required).toEqual(['name', 'type', 'url']);
  });

  it('refuses a connector that declares a common key itself', () => {
    const clash = { ...stubDestination, configSchema: { type: 'object', additionalProperties: false, properties: { retry: { type: 'integer' } } } };
    expect(() => buildChannelSchema({ sources: sourceSpecs, destinations: [clash] })).toThrow('destination connector "stub" declares the reserved key "retry"');
  });

  it('accepts no destination at all while no destination connector is registered', () => {
    const schema = buildChannelSchema({ sources: sourceSpecs, destinations: [] });
    const text = 'id: a\nsource: { type: mllp, port: 1 }\ndestinations:\n  - { name: emr, type: fhir }\n';
    expect(lines(loadYamlText(text, 'none.yaml', schema, { env: {} }).diagnostics)).toEqual([
      'none.yaml:4:3 error MEDIBUS_ERR_CONFIG_SCHEMA destinations: expected at most 0 items, got 1',
    ]);
  });
});
