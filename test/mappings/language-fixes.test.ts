/**
 * Fixes made in src/mapping while writing the shipped mappings, each shown on a small mapping
 * of test/mappings/fixtures (see its README): what a mapping author can now rely on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllergyIntolerance, Coverage, DiagnosticReport, Encounter, Observation, Organization, Patient, Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { parseMessage, type Hl7Message } from '../../src/hl7/index.js';
import { identifierFromCx } from '../../src/mapping/hl7v2/datatypes/identifier.js';
import { isValidTimezone, loadMapping, type CompiledMapping } from '../../src/mapping/index.js';
import { context, rep } from '../mapping/datatypes/support.js';
import { entryOf, MAPPINGS, only, resources, shipped, target } from './support.js';

const HERE = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function fixtureMapping(name: string): Promise<CompiledMapping> {
  const { mapping, diagnostics } = await loadMapping(path.join(HERE, `${name}.yaml`), { mappingsDir: MAPPINGS });
  if (mapping === undefined) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return mapping;
}

function fixtureMessage(name: string): Hl7Message {
  return parseMessage(readFileSync(path.join(HERE, `${name}.hl7`)));
}

describe('derived resources (issue a: a key without authority)', () => {
  it('a Practitioner whose XCN has no assigning authority carries the facility system its conditional create searches on', async () => {
    const { bundle } = await (await shipped('adt')).convert(fixtureMessage('xcn-no-authority'));
    const doctor = only<Practitioner>(bundle, 'Practitioner');
    expect(doctor.identifier).toEqual([{ value: '0451', system: 'urn:medibus:facility:HOSP:Practitioner' }]);
    expect(entryOf(bundle, doctor).request).toEqual({ method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=urn:medibus:facility:HOSP:Practitioner|0451' });
  });

  it('the same text in every OBX converts once: one Organization, a Reference object per Observation', async () => {
    const { bundle } = await (await fixtureMapping('text-and-labs')).convert(fixtureMessage('text-and-labs'));
    const lab = only<Organization>(bundle, 'Organization');
    const performers = resources<Observation>(bundle, 'Observation').map((o) => o.performer?.[0]);
    expect(performers.map((p) => p?.reference)).toEqual([entryOf(bundle, lab).fullUrl, entryOf(bundle, lab).fullUrl, entryOf(bundle, lab).fullUrl]);
    expect(new Set(performers).size).toBe(3); // copies: a default: on one element changes no other
  });
});

describe('identifiers (issue b: a blank CX)', () => {
  it('a CX.1 of spaces is no identifier (PV1-50 " " in microsoft ADT01-23), and a padded one is trimmed', () => {
    expect(identifierFromCx(rep(' '), context())).toBeUndefined();
    expect(identifierFromCx(rep('  ^^^HOSP'), context())).toBeUndefined();
    expect(identifierFromCx(rep(' BN1 ^^^^MR'), context())).toMatchObject({ value: 'BN1' });
  });
});

describe('timezones (issue c)', () => {
  it('isValidTimezone is public, for the channel config to check transform.timezone at load', () => {
    expect(isValidTimezone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(isValidTimezone('+07:00')).toBe(true);
    expect(isValidTimezone('Asia/Saigon City')).toBe(false);
  });

  it('convert refuses a zone it does not know, before reading the message', async () => {
    const adt = await shipped('adt');
    await expect(adt.convert(fixtureMessage('xcn-no-authority'), { timezone: 'Mars/Olympus' })).rejects.toThrow('timezone "Mars/Olympus" is neither an IANA zone (Asia/Ho_Chi_Minh) nor an offset (+07:00)');
  });
});

describe('code table policies', () => {
  it('without a top-level unmapped:, the table\'s own applies (v2-0001 rejects a sex code it lacks)', async () => {
    const error = (await (await fixtureMapping('policies')).convert(fixtureMessage('policies')).catch((e: unknown) => e)) as MedibusError;
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_UNMAPPED_CODE');
    expect(error.message).toBe('PID-8: code "X" is not in table v2-0001 (Patient.gender)');
  });

  it('unmapped: drop leaves the element out with a warning, and first: falls back to its next rule', async () => {
    const { bundle, warnings } = await (await fixtureMapping('policies-drop')).convert(fixtureMessage('policies'));
    expect(only<Patient>(bundle, 'Patient').gender).toBeUndefined();
    const allergy = only<AllergyIntolerance>(bundle, 'AllergyIntolerance');
    expect(allergy.category).toBeUndefined();
    expect(allergy.type).toBe('allergy');
    expect(warnings).toEqual([
      'PID-8: code "X" is not in table v2-0001; left out (Patient.gender)',
      'AL1-2: code "DRUG" is not in table v2-0127; left out (AllergyIntolerance.category)',
      'AL1-2: code "DRUG" is not in table v2-0127-type; left out (AllergyIntolerance.type)',
    ]);
  });

  it('a table for a local system (local-lab-loinc, source L) leaves other systems\' codes alone, without a warning', async () => {
    const { bundle, warnings } = await (await fixtureMapping('text-and-labs')).convert(fixtureMessage('text-and-labs'));
    const [report, hgb] = resources<Observation>(bundle, 'Observation').slice(1);
    expect(report.code.coding).toEqual([{ system: 'http://loinc.org', code: '11502-2', display: 'Laboratory report' }]);
    expect(hgb.code.coding?.map((c) => c.code)).toEqual(['HGB', '718-7']);
    expect(warnings).toEqual([]);
  });
});

describe('mode: create named twice in a message', () => {
  it('is one entry (the first), and both resources that refer to it point to it', async () => {
    const { bundle } = await (await fixtureMapping('create-duplicates')).convert(fixtureMessage('create-duplicates'));
    const insurer = only<Organization>(bundle, 'Organization');
    expect(insurer.name).toBe('Bảo Việt');
    expect(resources<Coverage>(bundle, 'Coverage').map((c) => target(bundle, c.payor[0].reference))).toEqual([insurer, insurer]);
  });

  it('upserts named twice are still an error: they would overwrite each other', async () => {
    const adt = await shipped('adt');
    const twice = parseMessage(readFileSync(path.join(HERE, 'xcn-no-authority.hl7'), 'utf8').replace(/(PV1\|[^\r]*\r)/, '$1$1'));
    await expect(adt.convert(twice)).rejects.toThrow(/two Encounter resources have the key urn:medibus:facility:HOSP:Encounter\|V1/);
  });
});

describe('join: and forEach', () => {
  it('join: into Attachment.data sends the joined text as UTF-8 base64, every OBX of a forEach with all: true', async () => {
    const { bundle } = await (await fixtureMapping('text-and-labs')).convert(fixtureMessage('text-and-labs'));
    const form = only<DiagnosticReport>(bundle, 'DiagnosticReport').presentedForm?.[0];
    expect(form?.contentType).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(form?.data as string, 'base64').toString('utf8')).toBe('Kết quả: bình thường.\nĐề nghị tái khám.');
  });
});

describe('keys', () => {
  it('an empty key with fallbacks names each path it tried', async () => {
    const adt = await shipped('adt');
    const noPid = parseMessage(readFileSync(path.join(HERE, 'xcn-no-authority.hl7'), 'utf8').replace('BN1^^^HOSP^MR', ''));
    await expect(adt.convert(noPid)).rejects.toThrow('PID-3: the key of Patient "patient" (PID-3[1], else PID-2, else PID-4[1]) is empty');
  });

  it('an Encounter without a visit number is keyed on the patient and the admit time (else not made)', async () => {
    const adt = await shipped('adt');
    const text = readFileSync(path.join(HERE, 'xcn-no-authority.hl7'), 'utf8');
    const noVisit = parseMessage(text.replace('|V1', '|'));
    expect(resources<Encounter>((await adt.convert(noVisit)).bundle, 'Encounter')).toEqual([]);
  });
});
