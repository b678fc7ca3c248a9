/**
 * medibus against other converters' expected FHIR for the same corpus messages
 * (fixtures/fhir-expected, see SOURCES.md there; docs/mapping-coverage.md reads the rest): the
 * facts that must agree whichever converter made them — each Observation's code and value,
 * the patient's identifiers, names, sex and birth date, the vaccine given, the appointment's
 * time. Resource ids, extensions and element choices of the other converters are not compared.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Appointment, Bundle, DiagnosticReport, Immunization, Observation, Patient, Practitioner, PractitionerRole, Reference, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { convert, CORPUS, EXPECTED, messagesOf, resources } from './support.js';

function expected(file: string): Bundle {
  return JSON.parse(readFileSync(path.join(EXPECTED, file), 'utf8')) as Bundle;
}

async function ours(file: string): Promise<Bundle> {
  return (await convert(messagesOf(path.join(CORPUS, file))[0])).bundle;
}

function of<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return resources<T>(bundle, type);
}

/** `code=value` for each coding of each Observation (`*=value` when it has none), a value as a clinician reads it. */
function observationFacts(bundle: Bundle): string[] {
  const value = (o: Observation): string => {
    if (o.valueQuantity) return `${o.valueQuantity.comparator ?? ''}${o.valueQuantity.value}`;
    if (o.valueString !== undefined) return JSON.stringify(o.valueString);
    if (o.valueCodeableConcept) return (o.valueCodeableConcept.coding ?? []).map((c) => c.code).join('|') || (o.valueCodeableConcept.text ?? '');
    if (o.valueDateTime) return o.valueDateTime.slice(0, 10);
    return '-';
  };
  return of<Observation>(bundle, 'Observation')
    .flatMap((o) => (o.code?.coding?.length ? o.code.coding.map((c) => `${c.code}=${value(o)}`) : [`*=${value(o)}`]))
    .filter((fact) => !fact.endsWith('=-'))
    .sort();
}

/** UCUM units by observation code, where the converter sent UCUM. */
function ucumUnits(bundle: Bundle): Map<string, string> {
  const units = new Map<string, string>();
  for (const o of of<Observation>(bundle, 'Observation')) {
    if (o.valueQuantity?.system !== 'http://unitsofmeasure.org' || o.valueQuantity.code === undefined) continue;
    for (const c of o.code?.coding ?? []) units.set(`${c.code}`, o.valueQuantity.code);
  }
  return units;
}

const RESULTS: readonly [string, string][] = [
  ['microsoft-fhir-converter__LAB-ORU-1.json', 'microsoft-fhir-converter__LAB-ORU-1.hl7'],
  ['microsoft-fhir-converter__LRI_2.0-NG_CBC_Typ_Message.json', 'microsoft-fhir-converter__LRI_2.0-NG_CBC_Typ_Message.hl7'],
  ['microsoft-fhir-converter__ORU-R01-RMGEAD.json', 'microsoft-fhir-converter__ORU-R01-RMGEAD.hl7'],
  ['cdc-reportstream__sample_oru_CDPH_NBS_20241021-001.fhir.json', 'cdc-reportstream__sample_oru_CDPH_NBS_20241021-001.hl7'],
  ['cdc-trusted-intermediary__Test_Orders_003_AL_ORM_O01_NBS_Fully_Populated_0_initial_message.fhir.json', 'cdc-trusted-intermediary__Test_Orders_003_AL_ORM_O01_NBS_Fully_Populated_0_initial_message.hl7'],
];

describe('observations: the same codes and values as the other converter', () => {
  for (const [json, hl7] of RESULTS) {
    it(`${hl7}`, async () => {
      const theirs = expected(json);
      const mine = await ours(hl7);
      expect(of<Observation>(mine, 'Observation')).toHaveLength(of<Observation>(theirs, 'Observation').length);
      // every fact of theirs is one of ours (ReportStream leaves some codes and values out)
      const myFacts = observationFacts(mine);
      for (const fact of observationFacts(theirs)) {
        if (fact.startsWith('*=')) expect(myFacts.some((f) => f.endsWith(fact.slice(1))), fact).toBe(true);
        else expect(myFacts, fact).toContain(fact);
      }
      const theirUnits = ucumUnits(theirs);
      const myUnits = ucumUnits(mine);
      for (const [code, unit] of theirUnits) expect(myUnits.get(code), `UCUM unit of ${code}`).toBe(unit);
    });
  }
});

describe('patients: the same identifiers, names, sex and birth date', () => {
  for (const [json, hl7] of [
    ['microsoft-fhir-converter__ADT01-23.json', 'microsoft-fhir-converter__ADT01-23.hl7'],
    ['microsoft-fhir-converter__ADT04-251.json', 'microsoft-fhir-converter__ADT04-251.hl7'],
    ['microsoft-fhir-converter__LRI_2.0-NG_CBC_Typ_Message.json', 'microsoft-fhir-converter__LRI_2.0-NG_CBC_Typ_Message.hl7'],
    ['microsoft-fhir-converter__IZ_1_1.1_Admin_Child_Max_Message.json', 'microsoft-fhir-converter__IZ_1_1.1_Admin_Child_Max_Message.hl7'],
    ['microsoft-fhir-converter__SIU-S12-01.json', 'microsoft-fhir-converter__SIU-S12-01.hl7'],
  ] as const) {
    it(`${hl7}`, async () => {
      const [theirs] = of<Patient>(expected(json), 'Patient');
      const [mine] = of<Patient>(await ours(hl7), 'Patient');
      // the identifier values, each of theirs among ours (systems differ: theirs are the converter's
      // placeholders); PID-19 (US social security number) and PID-20 (driver's licence) only adt reads
      for (const id of theirs.identifier ?? []) {
        const type = id.type?.coding?.[0]?.code;
        if ((id.system === 'http://hl7.org/fhir/sid/us-ssn' || type === 'DL') && !hl7.includes('ADT')) continue;
        expect(mine.identifier?.map((i) => i.value), `identifier ${id.value}`).toContain(id.value);
      }
      expect(mine.name?.[0]?.family).toBe(theirs.name?.[0]?.family);
      // given names as XPN.2/3 give them (Microsoft adds XPN.15, "called by", to them)
      expect(theirs.name?.[0]?.given).toEqual(expect.arrayContaining(mine.name?.[0]?.given ?? ['?']));
      expect(mine.gender).toBe(theirs.gender);
      expect(mine.birthDate).toBe(theirs.birthDate);
    });
  }

  it('microsoft-fhir-converter__ADT-A40-01.hl7: the survivor and the merged identifier (they link with a Linkage, medibus with Patient.link)', async () => {
    const theirs = JSON.stringify(expected('microsoft-fhir-converter__ADT-A40-01.json'));
    const [survivor, merged] = of<Patient>(await ours('microsoft-fhir-converter__ADT-A40-01.hl7'), 'Patient');
    for (const value of ['12345', '56789']) expect(theirs).toContain(`"value":"${value}"`);
    expect([survivor.identifier?.[0]?.value, merged.identifier?.[0]?.value]).toEqual(['12345', '56789']);
    expect([survivor.link?.[0]?.type, merged.link?.[0]?.type]).toEqual(['replaces', 'replaced-by']);
  });
});

describe('the people of a report', () => {
  /** `value family` of the Practitioner a reference names, through a PractitionerRole (theirs) or directly (ours). */
  function person(bundle: Bundle, ref: Reference | undefined): string {
    const find = (r: string | undefined): Resource | undefined =>
      bundle.entry?.find((e) => e.fullUrl === r || `${e.resource?.resourceType}/${e.resource?.id}` === r)?.resource;
    let found = find(ref?.reference);
    if (found?.resourceType === 'PractitionerRole') found = find((found as PractitionerRole).practitioner?.reference);
    const p = found as Practitioner | undefined;
    return `${p?.identifier?.[0]?.value} ${p?.name?.[0]?.family ?? ''}`.trim();
  }

  it('microsoft-fhir-converter__ORU-R01-01.hl7: the results interpreter (OBR-32), technician (OBR-34) and transcriptionist (OBR-35)', async () => {
    // [interpreters, performers] of the report that has an interpreter
    const people = (b: Bundle): string[][] => {
      const report = of<DiagnosticReport>(b, 'DiagnosticReport').find((r) => r.resultsInterpreter !== undefined);
      return [(report?.resultsInterpreter ?? []).map((x) => person(b, x)), (report?.performer ?? []).map((x) => person(b, x))];
    };
    const theirs = people(expected('microsoft-fhir-converter__ORU-R01-01.json'));
    expect(theirs).toEqual([['Harry Raud'], ['Richa', '35 Samuel']]);
    expect(people(await ours('microsoft-fhir-converter__ORU-R01-01.hl7'))).toEqual(theirs);
  });
});

describe('the vaccine and the appointment', () => {
  it('microsoft-fhir-converter__IZ_1_1.1_Admin_Child_Max_Message.hl7: vaccine, lot, date, status', async () => {
    const [theirs] = of<Immunization>(expected('microsoft-fhir-converter__IZ_1_1.1_Admin_Child_Max_Message.json'), 'Immunization');
    const [mine] = of<Immunization>(await ours('microsoft-fhir-converter__IZ_1_1.1_Admin_Child_Max_Message.hl7'), 'Immunization');
    // the CVX code (their system is the converter's placeholder, ours http://hl7.org/fhir/sid/cvx)
    expect(mine.vaccineCode.coding?.[0]).toMatchObject({ code: theirs.vaccineCode.coding?.[0]?.code, system: 'http://hl7.org/fhir/sid/cvx' });
    expect([mine.lotNumber, mine.status, mine.occurrenceDateTime, mine.expirationDate]).toEqual([theirs.lotNumber, theirs.status, theirs.occurrenceDateTime, theirs.expirationDate]);
  });

  it('microsoft-fhir-converter__SIU-S12-01.hl7: status, start and end', async () => {
    const [theirs] = of<Appointment>(expected('microsoft-fhir-converter__SIU-S12-01.json'), 'Appointment');
    const [mine] = of<Appointment>(await ours('microsoft-fhir-converter__SIU-S12-01.hl7'), 'Appointment');
    // the same instants (they write them in their own offset, medibus keeps the sender's)
    const instant = (t: string | undefined): number => Date.parse(t ?? '');
    expect([mine.status, instant(mine.start), instant(mine.end)]).toEqual([theirs.status, instant(theirs.start), instant(theirs.end)]);
  });
});
