/**
 * Business keys, conditional requests, fullUrls and the bundle around them (compile-key.ts,
 * identifiers.ts, bundle.ts, runtime-context.ts): what a FHIR server receives.
 */
import type { Account, Bundle, Encounter, Patient, Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { parseMessage } from '../../src/hl7/index.js';
import { escapeSearchValue, identifierQuery } from '../../src/mapping/index.js';
import { nameUuid } from '../../src/util/ids.js';
import { mapping, message, only, resolve, resources } from './support.js';

function entryOf(bundle: Bundle, resource: object) {
  const entry = bundle.entry?.find((e) => e.resource === resource);
  if (!entry) throw new Error('resource not in bundle');
  return entry;
}

describe('keys and conditional requests', () => {
  it('mode: create sends POST with ifNoneExist, escaping | , $ and \\ as FHIR search does', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    const patient = only<Patient>(bundle, 'Patient');
    expect(entryOf(bundle, patient).request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:medibus:authority:SPRINGFIELD_HOSP|A\\|1\\,2\\$3\\\\4' });
    expect(patient.identifier?.map((i) => [i.system, i.value])).toEqual([
      ['urn:medibus:authority:SPRINGFIELD_HOSP', 'A|1,2$3\\4'],
      ['http://other.example.org/mrn', 'X9'],
    ]);
  });

  it('upsert (the default) sends a conditional PUT on the key', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    expect(entryOf(bundle, only<Encounter>(bundle, 'Encounter')).request).toEqual({ method: 'PUT', url: 'Encounter?identifier=http://hospital.example.org/visit|V100-1' });
  });

  it('a key without assigning authority gets the sending facility\'s system, and the resource carries it', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    const account = only<Account>(bundle, 'Account');
    expect(entryOf(bundle, account).request?.url).toBe('Account?identifier=urn:medibus:facility:SPRINGFIELD_HOSP:Account|ACC-77');
    expect(account.identifier).toEqual([{ value: 'ACC-77', system: 'urn:medibus:facility:SPRINGFIELD_HOSP:Account' }]);
  });

  it('a composite key joins its parts with "-" and is added to identifier', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    expect(only<Encounter>(bundle, 'Encounter').identifier).toEqual([{ system: 'http://hospital.example.org/visit', value: 'V100-1' }]);
  });

  it('fullUrl is the name-based UUID (v8) of type, system and value', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    const expected = `urn:uuid:${nameUuid('Patient|urn:medibus:authority:SPRINGFIELD_HOSP|A|1,2$3\\4')}`;
    expect(entryOf(bundle, only<Patient>(bundle, 'Patient')).fullUrl).toBe(expected);
    expect(only<Account>(bundle, 'Account').subject?.[0]?.reference).toBe(expected);
  });

  it('the same message gives the same bundle, byte for byte', async () => {
    const adt = await mapping('mappings/adt.yaml');
    const first = JSON.stringify((await adt.convert(message('adt-a01'))).bundle);
    const second = JSON.stringify((await adt.convert(message('adt-a01'))).bundle);
    expect(second).toBe(first);
    expect(JSON.stringify(adt.convertSync(message('adt-a01')).bundle)).toBe(first);
  });

  it('identifies the bundle by sender and MSH-10, and stamps it with MSH-7', async () => {
    const { bundle } = await (await mapping('keys')).convert(message('keys-a01'));
    expect(bundle.type).toBe('transaction');
    expect(bundle.identifier).toEqual({ system: 'urn:medibus:message:HIS:SPRINGFIELD_HOSP', value: 'KEYS-1' });
    expect(bundle.timestamp).toBe('2024-03-13T09:00:00-05:00');
  });

  it('an empty key fails the message, naming the key and the field', async () => {
    // (the shipped adt.yaml makes no Encounter without a visit number or admit time: a PID without identifiers)
    const error = (await (await mapping('mappings/adt.yaml')).convert(message('../hl7/edge/adt-a01-no-mrn')).catch((e: unknown) => e)) as MedibusError;
    expect(error).toBeInstanceOf(MedibusError);
    expect(error.code).toBe('MEDIBUS_ERR_MAPPING_RUNTIME');
    expect(error.message).toBe('PID-3: the key of Patient "patient" (PID-3[1], else PID-2, else PID-4[1]) is empty; a resource needs its business key to be matched on the server');
    expect(error.location).toEqual({ segment: 'PID', segmentIndex: 1, field: 3 });
  });

  it('two segments with one composed key are two resources: the later one keyed by its position, with a warning', async () => {
    const { bundle, warnings } = await (await mapping('oru-groups')).convert(message('oru-r01-duplicate-set-id'));
    expect(resources(bundle, 'Observation').map((o) => entryOf(bundle, o).request?.url)).toEqual([
      'Observation?identifier=urn:medibus:facility:SPRINGFIELD_LAB:Observation|FIL1-1',
      'Observation?identifier=urn:medibus:facility:SPRINGFIELD_LAB:Observation|FIL1-1@OBX.2',
    ]);
    expect(warnings).toEqual(['OBX[2]: the key of Observation "observation" is also that of OBX (a repeated or empty set ID, or the same code twice): this one is keyed by its position (@OBX.2)']);
  });

  it('two resources with one identifier key (not composed) fail the message instead of overwriting each other', async () => {
    const twice = message('oru-r01-duplicate-set-id').toString().replace('OBX|1|NM|2160-0', 'OBR|2|PLC1^EMR|FIL1^LIS|24323-8^CMP^LN\rOBX|1|NM|2160-0');
    const error = (await (await mapping('oru-groups')).convert(parseMessage(twice)).catch((e: unknown) => e)) as MedibusError;
    expect(error.message).toMatch(/^OBR\[2\]: two DiagnosticReport resources have the key .*\|FIL1 \(OBR and OBR\[2\]\); make the key unique/);
  });

  it('refuses a message type the mapping does not accept', async () => {
    const adt = await mapping('mappings/adt.yaml');
    expect(adt.accepts('ADT^A08')).toBe(true);
    expect(adt.accepts('ADT^A08^ADT_A01')).toBe(true);
    expect(adt.accepts('ORU^R01')).toBe(false);
    await expect(adt.convert(message('oru-r01-groups'))).rejects.toThrow(
      'mapping adt does not accept ORU^R01 messages (messageTypes: ADT^A01, ADT^A02, ADT^A03, ADT^A04, ADT^A05, ADT^A08, ADT^A11, ADT^A13, ADT^A28, ADT^A31, ADT^A40)',
    );
    // MSH-9.2 empty: typed as hl7/header.ts messageType types it everywhere else (`ADT`, not `ADT^`)
    const noEvent = parseMessage(message('oru-r01-groups').toString().replace('|ORU^R01^ORU_R01|', '|ADT|'));
    await expect(adt.convert(noEvent)).rejects.toThrow(/^mapping adt does not accept ADT messages /);
  });
});

describe('search values', () => {
  it('escape FHIR search characters, percent-encode what would break a query, and keep the rest readable', () => {
    expect(escapeSearchValue('urn:oid:1.2.3')).toBe('urn:oid:1.2.3');
    expect(escapeSearchValue('A|B,C$D\\E')).toBe('A\\|B\\,C\\$D\\\\E');
    expect(escapeSearchValue('N° 7 & 8#9+10%')).toBe('N%C2%B0%207%20%26%208%239%2B10%25');
    expect(identifierQuery('urn:medibus:authority:HOSP', 'MRN 1')).toBe('identifier=urn:medibus:authority:HOSP|MRN%201');
  });
});

describe('resources derived from fields', () => {
  it('adds one Practitioner per doctor however many fields name them, before the resources that refer to them', async () => {
    const { bundle } = await (await mapping('mappings/adt.yaml')).convert(message('adt-a01'));
    const practitioners = resources<Practitioner>(bundle, 'Practitioner');
    expect(practitioners.map((p) => p.identifier?.[0]?.value)).toEqual(['1234567893', '2234567891']);
    const types = bundle.entry?.map((e) => e.resource?.resourceType);
    expect(types?.slice(0, 3)).toEqual(['Location', 'Practitioner', 'Practitioner']);
    const participants = only<Encounter>(bundle, 'Encounter').participant ?? [];
    // PV1-7 (two attending doctors) and PV1-17 (the first of them, admitting)
    expect(participants.map((p) => (resolve(bundle, p.individual?.reference)?.resource as Practitioner).identifier?.[0]?.value)).toEqual(['1234567893', '2234567891', '1234567893']);
  });

  it('creates them conditionally, so a message never overwrites a practitioner registry', async () => {
    const { bundle } = await (await mapping('mappings/adt.yaml')).convert(message('adt-a01'));
    const entry = entryOf(bundle, resources<Practitioner>(bundle, 'Practitioner')[0]);
    expect(entry.request).toEqual({ method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=urn:oid:2.16.840.1.113883.4.6|1234567893' });
  });
});
