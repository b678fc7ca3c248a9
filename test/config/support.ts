import path from 'node:path';
import { sourceSpecs } from '../../src/sources/registry.js';
import type { ConnectorSpecs } from '../../src/config/schema.js';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';

/**
 * A destination connector that exists only in tests: no real one is registered yet, and
 * the tests of the common destination keys (name, ordering, retry) must not change when
 * the real ones arrive. It declares its own keys the way a connector file would.
 */
export const stubDestination = {
  type: 'stub',
  description: 'Test-only destination.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', description: 'Where to deliver.', examples: ['http://127.0.0.1:8081/fhir'] },
      timeout: { $ref: '#/$defs/duration', description: 'Request timeout.', default: '30s' },
    },
  },
} as const;

export const testSpecs: ConnectorSpecs = { sources: sourceSpecs, destinations: [stubDestination] };

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export function fixture(...parts: string[]): string {
  return path.join(repoRoot, 'fixtures', 'channels', ...parts);
}

/** Diagnostics as the user reads them, relative to the repository root. */
export function lines(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => formatDiagnostic(d, repoRoot));
}
