import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/config/index.js';
import { codeTableFromText, loadCodeTable, loadCodeTables } from '../../../src/mapping/terminology/index.js';

const dir = fileURLToPath(new URL('../../../fixtures/datatypes/code-tables/', import.meta.url));
const file = (name: string) => path.join(dir, name);
/** `file:line:col severity code path: message`, with the file relative to the fixtures */
const show = (d: Parameters<typeof formatDiagnostic>[0]) => formatDiagnostic(d, dir);

describe('loadCodeTable (YAML)', () => {
  it('loads a valid table', async () => {
    const { table, diagnostics } = await loadCodeTable(file('lab.yaml'));
    expect(diagnostics).toEqual([]);
    expect(table).toMatchObject({ id: 'test-lab', target: 'http://loinc.org', unmapped: 'warn', source: 'urn:medibus:local:99LAB', size: 3 });
    expect(table!.lookup('HGB')).toEqual({ code: '718-7', system: 'http://loinc.org', display: 'Hemoglobin [Mass/volume] in Blood' });
    expect(table!.lookup('GLU')).toEqual({ code: '2345-7', system: 'http://loinc.org' });
  });

  it('reports every schema problem at its line and column', async () => {
    const { table, diagnostics } = await loadCodeTable(file('errors.yaml'));
    expect(table).toBeUndefined();
    const lines = diagnostics.map(show);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^errors\.yaml:1:5 error MEDIBUS_ERR_CONFIG_SCHEMA id: /),
        expect.stringMatching(/^errors\.yaml:2:11 error MEDIBUS_ERR_CONFIG_SCHEMA unmapped: expected one of: keep, warn, reject, got "sometimes"/),
        expect.stringMatching(/^errors\.yaml:3:9 error MEDIBUS_ERR_CONFIG_SCHEMA target: /),
        expect.stringMatching(/^errors\.yaml:6:6 error MEDIBUS_ERR_CONFIG_SCHEMA codes\.B: /),
      ]),
    );
    // positions inside `codes` point at the entry at fault
    expect(lines.some((l) => /^errors\.yaml:5:\d+ /.test(l))).toBe(true);
    expect(lines.some((l) => /^errors\.yaml:7:\d+ /.test(l))).toBe(true);
  });

  it('reports a missing codes key', async () => {
    const { diagnostics } = await loadCodeTable(file('missing-codes.yaml'));
    expect(diagnostics.map(show)).toEqual(['missing-codes.yaml:1:1 error MEDIBUS_ERR_CONFIG_SCHEMA missing required key "codes"']);
  });

  it('reports YAML syntax errors and duplicate codes with positions', async () => {
    const syntax = await loadCodeTable(file('syntax.yaml'));
    expect(syntax.table).toBeUndefined();
    expect(syntax.diagnostics[0]).toMatchObject({ code: 'MEDIBUS_ERR_CONFIG_YAML', line: expect.any(Number) as number });
    expect(syntax.diagnostics[0].line).toBeGreaterThanOrEqual(3);

    const dup = await loadCodeTable(file('duplicate-key.yaml'));
    expect(dup.table).toBeUndefined();
    expect(dup.diagnostics.map(show)).toEqual([expect.stringMatching(/^duplicate-key\.yaml:4:3 error MEDIBUS_ERR_CONFIG_YAML /)]);
  });

  it('reports a file that cannot be read', async () => {
    const { table, diagnostics } = await loadCodeTable(file('nope.yaml'));
    expect(table).toBeUndefined();
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'MEDIBUS_ERR_CONFIG_IO', message: 'cannot read: not found' })]);
  });

  it('accepts text directly (a mapping’s inline table, the CLI)', () => {
    const { table } = codeTableFromText('id: t\ntarget: http://hl7.org/fhir/administrative-gender\ncodes: { F: female }\n', 'inline.yaml');
    expect(table!.lookup('F')).toEqual({ code: 'female', system: 'http://hl7.org/fhir/administrative-gender' });
    expect(table!.unmapped).toBe('keep');
  });
});

describe('loadCodeTable (FHIR ConceptMap JSON)', () => {
  it('reads group elements and skips unmatched targets; a repeated code is a warning, the first wins', async () => {
    const { table, diagnostics } = await loadCodeTable(file('gender.conceptmap.json'));
    expect(table).toMatchObject({ id: 'cm-gender', description: 'Local sex codes to administrative gender', source: 'http://terminology.hl7.org/CodeSystem/v2-0001', unmapped: 'keep' });
    expect(table!.lookup('F')).toEqual({ code: 'female', system: 'http://hl7.org/fhir/administrative-gender', display: 'Female' });
    expect(table!.lookup('M')).toEqual({ code: 'male', system: 'http://hl7.org/fhir/administrative-gender' });
    expect(table!.lookup('X')).toBeUndefined();
    expect(diagnostics.map(show)).toEqual([expect.stringMatching(/^gender\.conceptmap\.json:15:19 warning MEDIBUS_ERR_CONFIG_DUPLICATE group\[0\]\.element\[3\]\.code: code "F" is mapped more than once/)]);
  });

  it('takes the unmapped policy from the options', async () => {
    const { table } = await loadCodeTable(file('gender.conceptmap.json'), { unmapped: 'reject' });
    expect(table!.unmapped).toBe('reject');
  });

  it('needs an id, and the element shape, with positions', async () => {
    const noId = await loadCodeTable(file('no-id.conceptmap.json'));
    expect(noId.table).toBeUndefined();
    expect(noId.diagnostics.map(show)).toEqual([expect.stringMatching(/^no-id\.conceptmap\.json:1:1 error MEDIBUS_ERR_CONFIG_SCHEMA a ConceptMap used as a code table needs an "id"/)]);

    const bad = await loadCodeTable(file('bad.conceptmap.json'));
    expect(bad.table).toBeUndefined();
    expect(bad.diagnostics.map(show)).toEqual([expect.stringMatching(/^bad\.conceptmap\.json:4:27 error MEDIBUS_ERR_CONFIG_SCHEMA group\[0\]\.element\[0\]: missing required key "code"/)]);
  });
});

describe('loadCodeTables', () => {
  it('returns no table when any file of the directory has an error, and every diagnostic', async () => {
    const { tables, diagnostics } = await loadCodeTables(dir);
    expect(tables.size).toBe(0);
    const files = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => path.basename(d.file)));
    expect([...files].sort()).toEqual(['bad.conceptmap.json', 'duplicate-key.yaml', 'errors.yaml', 'missing-codes.yaml', 'no-id.conceptmap.json', 'syntax.yaml']);
  });
});
