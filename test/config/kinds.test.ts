/**
 * Channel files of every kind: the source type decides the kind, and what only one kind can
 * read is refused at file:line:col by `medibus validate` (the same load every command runs).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadChannelFile } from '../../src/config/load.js';
import type { ConnectorSpecs } from '../../src/config/schema.js';
import { destinationSpecs } from '../../src/destinations/registry.js';
import { planChannels } from '../../src/pipeline/transform-plan.js';
import { sourceSpecs } from '../../src/sources/registry.js';
import { heldSources } from '../support/kind-sources.js';

const held = heldSources();
const specs: ConnectorSpecs = { sources: [...sourceSpecs, ...held.specs], destinations: destinationSpecs };
const mappingsDir = path.resolve(import.meta.dirname, '../../mappings');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'medibus-kinds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, yaml: string) {
  const file = path.join(dir, name);
  await writeFile(file, yaml);
  const result = await loadChannelFile(file, { env: {}, specs });
  return { ...result, lines: result.diagnostics.map((d) => formatDiagnostic(d, dir)) };
}

const destination = `destinations:
  - name: archive
    type: file
    path: out.ndjson
`;

describe('channel kinds', () => {
  it('gives each kind its own default ordering key', async () => {
    const dicom = await load('pacs.yaml', `id: pacs\nsource:\n  type: held-dicom\n${destination}`);
    const csv = await load('export.yaml', `id: export\nsource:\n  type: held-csv\n${destination}`);
    const hl7 = await load('adt.yaml', `id: adt\nsource:\n  type: mllp\n  port: 0\n${destination}`);
    expect([dicom.channel?.config.ordering.key, csv.channel?.config.ordering.key, hl7.channel?.config.ordering.key]).toEqual(['PatientID + IssuerOfPatientID', '', 'PID-3[1]']);
  });

  it('reads the ordering key in the paths of the source kind, and says where one does not read', async () => {
    const good = await load('pacs-good.yaml', `id: pacs-good\nsource:\n  type: held-dicom\nordering:\n  key: (0010,0020) + IssuerOfPatientID\n${destination}`);
    expect(good.lines).toEqual([]);
    const bad = await load('pacs-bad.yaml', `id: pacs-bad\nsource:\n  type: held-dicom\nordering:\n  key: PatientID + PID-3\n${destination}`);
    expect(bad.lines).toEqual([
      'pacs-bad.yaml:5:20 error MEDIBUS_ERR_KIND_PATH ordering.key: "PID-3" is neither a DICOM keyword (PS3.6, e.g. PatientID) nor a tag such as (0010,0020) (a dicom channel: its source type held-dicom hands on dicom)',
    ]);
    const csv = await load('export-bad.yaml', `id: export-bad\nsource:\n  type: held-csv\nordering:\n  key: "Id + "\n${destination}`);
    expect(csv.lines).toEqual([expect.stringMatching(/^export-bad\.yaml:5:\d+ error MEDIBUS_ERR_KIND_PATH ordering\.key: empty part in key "Id \+ "/)]);
    // an HL7 channel keeps its HL7 path check, message for message
    const hl7 = await load('adt-bad.yaml', `id: adt-bad\nsource:\n  type: mllp\n  port: 0\nordering:\n  key: PatientID\n${destination}`);
    expect(hl7.lines).toEqual([expect.stringMatching(/^adt-bad\.yaml:6:\d+ error MEDIBUS_ERR_HL7_PATH ordering\.key: invalid HL7 path "PatientID"/)]);
  });

  it('refuses HL7-only settings on a channel of another kind, and filter.types on an HL7 one', async () => {
    const dicom = await load(
      'pacs-hl7.yaml',
      `id: pacs-hl7\nsource:\n  type: held-dicom\nfilter:\n  messageTypes: [ADT^A01]\ndestinations:\n  - name: ris\n    type: mllp\n    host: 127.0.0.1\n    port: 2575\n  - name: hook\n    type: file\n    path: out.ndjson\n    payload: hl7\n`,
    );
    expect(dicom.lines).toEqual([
      'pacs-hl7.yaml:5:3 error MEDIBUS_ERR_KIND_MISMATCH filter.messageTypes: filter.messageTypes are HL7 v2 message types, but the source type held-dicom hands on dicom; use filter.types (e.g. [CT, MR])',
      'pacs-hl7.yaml:8:11 error MEDIBUS_ERR_KIND_MISMATCH destinations[0].type: type: mllp forwards the original HL7 v2 message, but the source type held-dicom hands on dicom: there is none to forward',
      'pacs-hl7.yaml:14:14 error MEDIBUS_ERR_KIND_MISMATCH destinations[1].payload: payload: hl7 forwards the original HL7 v2 message, but the source type held-dicom hands on dicom: there is none to forward',
    ]);
    const hl7 = await load('adt-types.yaml', `id: adt-types\nsource:\n  type: mllp\n  port: 0\nfilter:\n  types: [CT]\n${destination}`);
    expect(hl7.lines).toEqual([expect.stringMatching(/^adt-types\.yaml:6:3 error MEDIBUS_ERR_KIND_MISMATCH filter\.types: filter\.types is for sources of other kinds/)]);
  });

  it('refuses a mapping that reads another kind than the source hands on, at transform.mapping', async () => {
    const { channel } = await load('pacs-adt.yaml', `id: pacs-adt\nsource:\n  type: held-dicom\ntransform:\n  mapping: adt\n${destination}`);
    expect(channel).toBeDefined();
    const planned = await planChannels([channel!], { mappingsDir, sources: specs.sources });
    expect(planned.plans.has('pacs-adt')).toBe(false);
    expect(planned.diagnostics.map((d) => formatDiagnostic(d, dir))).toEqual([
      'pacs-adt.yaml:5:12 error MEDIBUS_ERR_KIND_MISMATCH transform.mapping: mapping "adt" reads hl7v2 (its input:), but the source type held-dicom hands on dicom',
    ]);
  });
});
