/**
 * `medibus validate` follows every reference a channel makes to another file, and reports a
 * broken one at the reference (issue 14: `mapping: no-such-mapping` was "1 channel OK").
 * It takes channel files as well as directories, and runs the checks across files on those
 * the schema refused (issue 16).
 */
import { describe, expect, it } from 'vitest';
import { run as validate } from '../../src/cli/commands/validate.js';
import { fixture, testSpecs } from './support.js';

async function validateOutput(argv: string[]): Promise<{ code: number; output: string[] }> {
  let text = '';
  const code = await validate(argv, { out: (chunk) => (text += chunk), env: {}, specs: testSpecs });
  return { code, output: text.trimEnd().split('\n') };
}

describe('medibus validate: references to other files', () => {
  it('a mapping that does not exist, at the mapping: value, with the known ids', async () => {
    const { code, output } = await validateOutput([fixture('references', 'missing-mapping.yaml')]);
    expect(output).toEqual([
      'fixtures/channels/references/missing-mapping.yaml:7:12 error MEDIBUS_ERR_CONFIG_REFERENCE transform.mapping: no mapping "no-such-mapping" in mappings (known: adt, dicom-imagingstudy, mdm-t02, oml-o21, orm-o01, oru-r01, rde-o11, siu, synthea-allergies, synthea-imaging-studies, synthea-patients, vxu-v04)',
      '1 error in 1 file',
    ]);
    expect(code).toBe(1);
  });

  it('a code table a mapping names, at the map: or file: that names it', async () => {
    const { code, output } = await validateOutput([fixture('references', 'table-refs.yaml'), '--mappings', fixture('references', 'mappings')]);
    expect(output).toContain(
      'fixtures/channels/references/mappings/table-refs.yaml:8:11 error MEDIBUS_ERR_CONFIG_REFERENCE tables.sex-local.file: table file "./terminology/no-such-file.yaml": cannot read: not found',
    );
    expect(output).toContain(
      'fixtures/channels/references/mappings/table-refs.yaml:17:43 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.maritalStatus.map: unknown table "no-such-table": not in tables: and no file terminology/no-such-table.yaml',
    );
    expect(code).toBe(1);
  });

  it('a test input that does not exist, at its input: value', async () => {
    const { code, output } = await validateOutput([fixture('references', 'missing-test-input.yaml')]);
    expect(output).toEqual([
      'fixtures/channels/references/missing-test-input.yaml:10:12 error MEDIBUS_ERR_CONFIG_REFERENCE tests[0].input: test input "../../hl7/no-such-message.hl7" (fixtures/hl7/no-such-message.hl7): not found',
      '1 error in 1 file',
    ]);
    expect(code).toBe(1);
  });

  it('several files, and the checks across them also on a file with schema errors', async () => {
    const { output } = await validateOutput([fixture('references', 'missing-mapping.yaml'), fixture('references', 'schema-error-and-port.yaml')]);
    expect(output).toEqual([
      'fixtures/channels/references/missing-mapping.yaml:7:12 error MEDIBUS_ERR_CONFIG_REFERENCE transform.mapping: no mapping "no-such-mapping" in mappings (known: adt, dicom-imagingstudy, mdm-t02, oml-o21, orm-o01, oru-r01, rde-o11, siu, synthea-allergies, synthea-imaging-studies, synthea-patients, vxu-v04)',
      'fixtures/channels/references/schema-error-and-port.yaml:5:9 error MEDIBUS_ERR_CONFIG_DUPLICATE source.port: 127.0.0.1:2642 is already used by channel "missing-mapping" (fixtures/channels/references/missing-mapping.yaml:5:9)',
      'fixtures/channels/references/schema-error-and-port.yaml:6:16 error MEDIBUS_ERR_CONFIG_SCHEMA source.idleTimeout: expected a duration (integer milliseconds, or a number with ms, s, m or h: 500ms, 30s, 5m, 1h), got string "soon"',
      '3 errors in 2 files',
    ]);
  });

  it('the shipped channels and their mappings, tests and tables are all found', async () => {
    let text = '';
    const code = await validate(['channels'], { out: (chunk) => (text += chunk), env: {} });
    const output = text.trimEnd().split('\n');
    expect(output.filter((line) => line.includes(' error '))).toEqual([]);
    expect(code).toBe(0);
  });
});
