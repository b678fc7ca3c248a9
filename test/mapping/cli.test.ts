/**
 * `medibus convert` and `medibus test` (src/cli/commands/convert.ts, test.ts): what they print
 * and the exit codes scripts and CI rely on.
 */
import type { Bundle, Encounter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { run as convert } from '../../src/cli/commands/convert.js';
import { run as test } from '../../src/cli/commands/test.js';
import { ROOT } from './support.js';

async function cli(command: typeof convert, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await command(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT });
  return { code, out, err };
}

/** Concatenated pretty JSON documents → the bundles. */
function bundles(out: string): Bundle[] {
  return out
    .split(/\n(?=\{)/)
    .filter((part) => part.trim() !== '')
    .map((part) => JSON.parse(part) as Bundle);
}

describe('medibus convert', () => {
  it('prints the bundle of the shipped mapping that accepts the message', async () => {
    const { code, out, err } = await cli(convert, ['fixtures/mapping/adt-a01.hl7']);
    // AL1-4 MO (moderate) has no criticality in the IG's table; the shipped adt.yaml leaves it out
    expect(err).toBe('fixtures/mapping/adt-a01.hl7: ADT^A01 message: warning: AL1[2]-4: code "MO" is not in table v2-0128; left out (AllergyIntolerance.criticality)\n');
    expect(code).toBe(0);
    const [bundle] = bundles(out);
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.map((e) => e.resource?.resourceType)).toEqual(['Location', 'Practitioner', 'Practitioner', 'Patient', 'RelatedPerson', 'Encounter', 'AllergyIntolerance', 'AllergyIntolerance']);
  });

  it('converts every message of a file, each with the mapping that accepts it', async () => {
    const { code, out } = await cli(convert, ['fixtures/mapping/two-messages.hl7', '--mappings', 'fixtures/mapping', '--mapping', 'rules']);
    // rules accepts ADT^A01: both messages are A01
    expect(code).toBe(0);
    expect(bundles(out).map((b) => b.identifier?.value)).toEqual(['ADT20240312-0001', 'RULES-1']);
  });

  it('says clearly when no mapping accepts the message, and exits 1', async () => {
    const { code, out, err } = await cli(convert, ['fixtures/hl7/corpus/efferent-hl7-dotnetcore__Sample-ADT.txt.hl7', '--mappings', 'mappings']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      `medibus convert: fixtures/hl7/corpus/efferent-hl7-dotnetcore__Sample-ADT.txt.hl7: no mapping accepts the ADT^O01 message; the mappings in ${ROOT}mappings are ` +
        'adt (ADT^A01, ADT^A02, ADT^A03, ADT^A04, ADT^A05, ADT^A08, ADT^A11, ADT^A13, ADT^A28, ADT^A31, ADT^A40); mdm-t02 (MDM^T02); oml-o21 (OML^O21); orm-o01 (ORM^O01); ' +
        'oru-r01 (ORU^R01); rde-o11 (RDE^O11); siu (SIU^S12, SIU^S13, SIU^S14, SIU^S15); vxu-v04 (VXU^V04)\n',
    );
  });

  it('reports a message that cannot be converted with its code, location and hint, and exits 1', async () => {
    const { code, err } = await cli(convert, ['fixtures/hl7/edge/adt-a01-no-mrn.hl7']);
    expect(code).toBe(1);
    expect(err).toBe(
      'medibus convert: fixtures/hl7/edge/adt-a01-no-mrn.hl7: ADT^A01 message (mapping adt): MEDIBUS_ERR_MAPPING_RUNTIME: PID-3: the key of Patient "patient" (PID-3[1], else PID-2, else PID-4[1]) is empty; a resource needs its business key to be matched on the server\n' +
        '  hint: The message does not fit the mapping; see the segment and field named.\n',
    );
  });

  it('takes a mapping file, and --no-validate lets an invalid resource through', async () => {
    const refused = await cli(convert, ['fixtures/mapping/oru-r01-groups.hl7', '--mapping', 'fixtures/mapping/invalid-fhir.yaml']);
    expect(refused.code).toBe(1);
    // the validator lists a resource's issues in its own order: each line, not their sequence
    expect(refused.err).toContain('MEDIBUS_ERR_MAPPING_INVALID_FHIR: the mapping produced invalid FHIR R4:\n');
    expect(refused.err).toContain('\n  Observation[0].status: Missing required property (from OBX)\n');
    const { code, out } = await cli(convert, ['fixtures/mapping/oru-r01-groups.hl7', '--mapping', 'fixtures/mapping/invalid-fhir.yaml', '--no-validate']);
    expect(code).toBe(0);
    expect(bundles(out)[0].entry).toHaveLength(4);
  });

  it('prints the diagnostics of a broken mapping', async () => {
    const { code, err } = await cli(convert, ['fixtures/mapping/adt-a01.hl7', '--mapping', 'fixtures/mapping/invalid/unknown-ref.yaml']);
    expect(code).toBe(1);
    expect(err).toContain('fixtures/mapping/invalid/unknown-ref.yaml:14:23 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.subject.ref: unknown resource "patinet"');
  });

  it('says what a channel would answer to a message with MSH-10 empty (AR), and exits 1', async () => {
    const { code, out, err } = await cli(convert, ['fixtures/hl7/edge/adt-a01-no-control-id.hl7']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      'medibus convert: fixtures/hl7/edge/adt-a01-no-control-id.hl7: ADT^A01 message: a channel would refuse it with AR (MEDIBUS_ERR_HL7_REQUIRED_FIELD): MSH-10 (message control ID) is empty; the ACK must quote it in MSA-2\n',
    );
  });

  it('names the empty MSH-9 instead of "no mapping accepts the ^ message"', async () => {
    const { code, err } = await cli(convert, ['fixtures/hl7/edge/adt-no-message-type.hl7']);
    expect(code).toBe(1);
    expect(err).toBe(
      'medibus convert: fixtures/hl7/edge/adt-no-message-type.hl7: message: a channel would refuse it with AR (MEDIBUS_ERR_HL7_REQUIRED_FIELD): MSH-9.1 (message type) is empty; medibus routes and filters on it\n',
    );
  });

  it('convert DIR: one line per message file, the summary, exit 1 when any failed', async () => {
    const { code, out, err } = await cli(convert, ['fixtures/convert']);
    expect(err).toBe('');
    expect(out).toBe(
      [
        '✗ fixtures/convert/adt-a01-no-control-id.hl7: ADT^A01 message: a channel would refuse it with AR (MEDIBUS_ERR_HL7_REQUIRED_FIELD): MSH-10 (message control ID) is empty; the ACK must quote it in MSA-2',
        '✓ fixtures/convert/adt-a01.hl7: 1 message converted, 1 warning',
        '✗ fixtures/convert/adt-no-message-type.hl7: message: a channel would refuse it with AR (MEDIBUS_ERR_HL7_REQUIRED_FIELD): MSH-9.1 (message type) is empty; medibus routes and filters on it',
        '',
        '3 files: 1 converted, 2 failed',
        '',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('convert DIR --bundles: the bundles on stdout, the lines on stderr', async () => {
    const { out, err } = await cli(convert, ['fixtures/convert', '--bundles']);
    expect(bundles(out).map((b) => b.type)).toEqual(['transaction']);
    expect(err).toContain('✓ fixtures/convert/adt-a01.hl7: 1 message converted, 1 warning\n');
  });

  it('exits 2 on a usage error', async () => {
    const { code, err } = await cli(convert, ['--frobnicate']);
    expect(code).toBe(2);
    expect(err).toMatch(/^medibus convert: unknown option "--frobnicate"\n\nusage: medibus convert FILE/);
    const zone = await cli(convert, ['fixtures/mapping/adt-a01.hl7', '--timezone', 'Mars/Olympus']);
    expect(zone.code).toBe(2);
    expect(zone.err).toMatch(/^medibus convert: --timezone "Mars\/Olympus" is neither an IANA zone/);
  });

  it('--timezone places times sent without an offset', async () => {
    const args = ['fixtures/mapping/rules-local-times.hl7', '--mapping', 'fixtures/mapping/rules.yaml'];
    const [local] = bundles((await cli(convert, [...args, '--timezone', 'Asia/Ho_Chi_Minh'])).out);
    expect(local.timestamp).toBe('2024-03-12T08:35:12+07:00');
    expect((local.entry?.find((e) => e.resource?.resourceType === 'Encounter')?.resource as Encounter).period?.start).toBe('2024-03-12T07:15:00+07:00');
    const [utc] = bundles((await cli(convert, args)).out);
    expect(utc.timestamp).toMatch(/^2024-03-12T08:35:12(Z|\+00:00)$/);
  });
});

describe('medibus test', () => {
  it('prints one ✓ line per passing test and exits 0', async () => {
    const { code, out } = await cli(test, ['--channels', 'fixtures/mapping/channels/passing', '--mappings', 'mappings']);
    expect(out).toBe('✓ adt-feed › admission with two doctors\n✓ adt-feed › adt-a08-nulls.hl7\n\n2 tests: 2 passed, 0 failed\n');
    expect(code).toBe(0);
  });

  it('shows expected against actual, the expression and the input for each failure, and exits 1', async () => {
    const { code, out } = await cli(test, ['--channels', 'fixtures/mapping/channels/failing', '--mappings', 'mappings']);
    expect(code).toBe(1);
    expect(out).toBe(
      [
        '✓ adt-feed › admission with two doctors',
        '✗ adt-feed › wrong expectations',
        "    Patient.name.where(use = 'official').family",
        '      expected: "Nguyen"',
        '      actual:   "Nguyễn"',
        '    Encounter.participant',
        '      expected count: 2',
        '      actual count:   3',
        '    Patient.address.first()',
        '      - expected',
        '      + actual',
        '        {',
        '          "use": "home",',
        '      +   "line": [',
        '      +     "742 EVERGREEN TERRACE",',
        '      +     "APT 3B"',
        '      +   ],',
        '          "city": "SPRINGFIELD",',
        '      +   "state": "IL",',
        '          "postalCode": "62704",',
        '      +   "country": "USA"',
        '        }',
        '    input: fixtures/mapping/adt-a01.hl7',
        // a running channel filters what its mapping does not take (no filter: of its own)
        '✗ adt-feed › a message the mapping cannot take',
        '    Observation',
        '      expected: a value',
        '      actual:   nothing',
        '    filtered: message type ORU^R01 is not in filter.messageTypes',
        '    input: fixtures/mapping/oru-r01-groups.hl7',
        '',
        '3 tests: 1 passed, 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 on a usage error', async () => {
    const { code } = await cli(test, ['extra']);
    expect(code).toBe(2);
  });
});
