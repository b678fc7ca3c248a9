import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as schema, schemaJson } from '../../src/cli/commands/schema.js';
import { run as validate } from '../../src/cli/commands/validate.js';
import { fixture, testSpecs } from './support.js';

async function validateOutput(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string[] }> {
  let text = '';
  const code = await validate(argv, { out: (chunk) => (text += chunk), env, specs: testSpecs });
  return { code, output: text.trimEnd().split('\n') };
}

describe('medibus validate', () => {
  it('prints warnings and "N channels OK", exit 0', async () => {
    const { code, output } = await validateOutput([fixture('valid')], { EMR_URL: 'http://emr' });
    expect(output).toEqual([
      'fixtures/channels/valid/lab-results.yaml:5:9 warning MEDIBUS_ERR_CONFIG_EXPOSED source.host: source listens on all interfaces (0.0.0.0); any machine that can reach this one may send messages',
      'fixtures/channels/valid/old-adt.yaml:3:10 warning MEDIBUS_ERR_CONFIG_DISABLED enabled: channel is disabled; it is validated but not started',
      '3 channels OK, 2 warnings',
    ]);
    expect(code).toBe(0);
  });

  it('prints every error of every file and "N errors in M files", exit 1', async () => {
    const { code, output } = await validateOutput([fixture('invalid')]);
    expect(output).toHaveLength(36);
    expect(output[0]).toBe(
      'fixtures/channels/invalid/bad-duration.yaml:5:16 error MEDIBUS_ERR_CONFIG_SCHEMA source.idleTimeout: expected a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h), got string "5 minutes"',
    );
    expect(output.at(-1)).toBe('35 errors in 25 files');
    expect(code).toBe(1);
  });

  it('counts cross-file errors and warnings together', async () => {
    const { code, output } = await validateOutput([fixture('conflicts')]);
    expect(output.at(-1)).toBe('3 errors in 3 files, 2 warnings');
    expect(code).toBe(1);
  });

  it('reports a directory it cannot read', async () => {
    const { code, output } = await validateOutput([fixture('no-such-dir')]);
    expect(output).toEqual(['fixtures/channels/no-such-dir error MEDIBUS_ERR_CONFIG_IO cannot read: not found', '1 error in 1 file']);
    expect(code).toBe(1);
  });

  it('warns about a directory without channel files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'medibus-validate-'));
    try {
      const { code, output } = await validateOutput([dir]);
      expect(output).toEqual([`${dir} warning MEDIBUS_ERR_CONFIG_IO no channel files (*.yaml, *.yml) in this directory`, '0 channels OK, 1 warning']);
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('refuses unknown options with exit 2', async () => {
    let error = '';
    const deps = { out: () => undefined, err: (chunk: string) => (error += chunk), specs: testSpecs };
    expect(await validate(['--strict'], deps)).toBe(2);
    expect(await validate(['--mappings'], deps)).toBe(2);
    expect(error).toContain("medibus validate: Unknown option '--strict'");
  });
});

describe('medibus schema', () => {
  it('prints the channel schema as JSON', async () => {
    let text = '';
    expect(await schema([], { out: (chunk) => (text += chunk) })).toBe(0);
    expect(text).toBe(schemaJson());
    expect(JSON.parse(text)).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'medibus channel' });
  });
});
