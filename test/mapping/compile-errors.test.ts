/**
 * A mapping with mistakes is refused at load with every problem at its file:line:col, in the
 * words of the mapping language (loader.ts, compile-*.ts).
 */
import { describe, expect, it } from 'vitest';
import { diagnosticsOf } from './support.js';

describe('mapping compile errors', () => {
  it('names an unknown FHIR element with a did-you-mean, at top level and in a nested set', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/unknown-element.yaml')).toEqual([
      'fixtures/mapping/invalid/unknown-element.yaml:9:7 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.gendr: unknown element "gendr" of Patient — did you mean "gender"?',
      'fixtures/mapping/invalid/unknown-element.yaml:12:11 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.contact.set.nmae: unknown element "nmae" of PatientContact (Patient.contact) — did you mean "name"?',
    ]);
  });

  it('points at the character where an HL7 path goes wrong', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/bad-path.yaml')).toEqual([
      'fixtures/mapping/invalid/bad-path.yaml:9:18 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name: invalid HL7 path "PID-5x": expected "[", "." or the end at position 6, found "x"; paths look like PID-3, PID-3[2].1, OBX[2]-5',
      'fixtures/mapping/invalid/bad-path.yaml:10:31 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.birthDate.from: invalid HL7 path "PID-0": expected a field number of at least 1 (numbers are 1-based) at position 5, found "0"; paths look like PID-3, PID-3[2].1, OBX[2]-5',
    ]);
  });

  it('reports a code table that does not exist, suggesting the one meant', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/unknown-table.yaml')).toEqual([
      'fixtures/mapping/invalid/unknown-table.yaml:9:35 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.gender.map: unknown table "v2-001": not in tables: and no file terminology/v2-001.yaml — did you mean "v2-0001"?',
    ]);
  });

  it('reports a ref: to a resource the mapping does not name', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/unknown-ref.yaml')).toEqual([
      'fixtures/mapping/invalid/unknown-ref.yaml:14:23 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.subject.ref: unknown resource "patinet" in ref:; the mapping names patient, encounter — did you mean "patient"?',
    ]);
  });

  it('reports values whose type cannot fill the element, Reference sources that cannot make the resource, and constants outside a required value set', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/type-mismatch.yaml')).toEqual([
      'fixtures/mapping/invalid/type-mismatch.yaml:9:36 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.active.type: type mismatch: no conversion from XPN (PID-5) to boolean for Patient.active',
      'fixtures/mapping/invalid/type-mismatch.yaml:10:27 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.birthDate.value: type mismatch: Patient.birthDate is a date, got number 19720415',
      'fixtures/mapping/invalid/type-mismatch.yaml:11:22 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name.value: type mismatch: Patient.name is a HumanName, which has elements; got string "Smith" (write it as a mapping, e.g. { text: … })',
      'fixtures/mapping/invalid/type-mismatch.yaml:18:23 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.subject.ref: type mismatch: Encounter.subject can reference Patient, Group, but encounter is an Encounter',
      'fixtures/mapping/invalid/type-mismatch.yaml:23:24 error MEDIBUS_ERR_MAPPING_COMPILE resources[2].set.status.value: "finale" is not a code of http://hl7.org/fhir/ValueSet/observation-status, which Observation.status requires: registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown — did you mean "final"?',
      'fixtures/mapping/invalid/type-mismatch.yaml:25:40 error MEDIBUS_ERR_MAPPING_COMPILE resources[2].set.performer.type: type mismatch: a Reference is made from XCN or CNN (Practitioner), XON (Organization) or PL (Location), not CX',
      'fixtures/mapping/invalid/type-mismatch.yaml:26:41 error MEDIBUS_ERR_MAPPING_COMPILE resources[2].set.specimen.type: type mismatch: CNN makes a Practitioner, but Observation.specimen can reference Specimen',
    ]);
  });

  it('says that a value position takes a path or a rule, not a bare number or boolean', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/not-a-rule.yaml')).toEqual([
      'fixtures/mapping/invalid/not-a-rule.yaml:9:15 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.gender: expected an HL7 path like PID-3, or { value: 5 } for a constant; got number 5',
      'fixtures/mapping/invalid/not-a-rule.yaml:10:15 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.active: expected an HL7 path like PID-3, or { value: true } for a constant; got boolean true',
      'fixtures/mapping/invalid/not-a-rule.yaml:11:13 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name: a rule has exactly one of from, value, ref, first, join, set, convert, expr; this one has from and value',
    ]);
  });

  it('reports an unknown resource type with the R4 name meant', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/unknown-type.yaml')).toEqual([
      'fixtures/mapping/invalid/unknown-type.yaml:6:11 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].type: unknown FHIR R4 resource type "Patiant" — did you mean "Patient"?',
    ]);
  });

  it('checks group names in structure and forEach', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/structure-errors.yaml')).toEqual([
      'fixtures/mapping/invalid/structure-errors.yaml:5:47 error MEDIBUS_ERR_MAPPING_COMPILE structure.ORDER.contains[1]: "OBSERVATON" is neither a segment (three upper-case letters or digits) nor a group of structure (ORDER, OBSERVATION) — did you mean "OBSERVATION"?',
      'fixtures/mapping/invalid/structure-errors.yaml:10:14 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].forEach: forEach: "OBSERVATIONS" is neither a segment (PID), a group (structure: defines ORDER, OBSERVATION) nor a field (PV1-7) — did you mean "OBSERVATION"?',
    ]);
  });

  it('parses JSONata expressions at load', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/expr-syntax.yaml')).toEqual([
      'fixtures/mapping/invalid/expr-syntax.yaml:9:53 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name.set.text.expr: invalid JSONata expression: The symbol "&" cannot be used as a unary operator',
    ]);
  });

  it('reports shape errors from the JSON Schema all at once', async () => {
    expect(await diagnosticsOf('fixtures/mapping/invalid/schema-errors.yaml')).toEqual([
      'fixtures/mapping/invalid/schema-errors.yaml:2:5 error MEDIBUS_ERR_CONFIG_SCHEMA id: expected a string matching ^[a-z0-9][a-z0-9-]{0,62}$, got "Schema_Errors"',
      'fixtures/mapping/invalid/schema-errors.yaml:3:16 error MEDIBUS_ERR_CONFIG_SCHEMA messageTypes[0]: expected a string matching ^[A-Z][A-Z0-9]{2}\\^([A-Z0-9]{3}|\\*)$, got "ADT-A01"',
      'fixtures/mapping/invalid/schema-errors.yaml:7:5 error MEDIBUS_ERR_CONFIG_SCHEMA resources[0].forEch: unknown key "forEch" in resources[0]; expected one of: name, type, forEach, when, key, mode, set, resources — did you mean "forEach"?',
    ]);
  });
});
