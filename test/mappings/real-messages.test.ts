/**
 * Issue 15: messages from other systems are never lost silently and never refused for a
 * detail. Each case is a message of fixtures/hl7/edge written for it (see SOURCES.md there).
 */
import type { AllergyIntolerance, Condition, Observation, RelatedPerson } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { conditionalIdentifier, convert, edge, entryOf, resources } from './support.js';

describe('two segments with the same composed key (case 2)', () => {
  it('the HL7 v2.4 ADT^A04 example: two NK1 with set ID 1 are two RelatedPersons, the second keyed by its position', async () => {
    const [msg] = edge('adt-a04-v24-two-nk1-set-id-1');
    const { bundle, warnings } = await convert(msg);
    const people = resources<RelatedPerson>(bundle, 'RelatedPerson');
    expect(people.map((p) => p.name?.[0]?.given?.[0])).toEqual(['BARBARA', 'MICHAEL']);
    expect(people.map((p) => conditionalIdentifier(entryOf(bundle, p))?.value)).toEqual(['PATID1234-1', 'PATID1234-1@NK1.2']);
    expect(warnings).toContain('NK1[2]: the key of RelatedPerson "next-of-kin" is also that of NK1 (a repeated or empty set ID, or the same code twice): this one is keyed by its position (@NK1.2)');
  });

  it('the same allergen twice, one code as admitting and final diagnosis, two OBX without set ID: one resource per segment', async () => {
    const [msg] = edge('adt-a08-repeated-al1-dg1-obx');
    const { bundle } = await convert(msg);
    expect(resources<AllergyIntolerance>(bundle, 'AllergyIntolerance').map((a) => a.reaction?.[0]?.manifestation[0].text)).toEqual(['Rash', 'Hives']);
    const conditions = resources<Condition>(bundle, 'Condition');
    expect(conditions.map((c) => conditionalIdentifier(entryOf(bundle, c))?.value)).toEqual(['BN1001-VV2001-J18.9', 'BN1001-VV2001-J18.9@DG1.2']);
    // identical repeats are not merged: two Observations, two keys
    const observations = resources<Observation>(bundle, 'Observation');
    expect(new Set(observations.map((o) => entryOf(bundle, o).fullUrl)).size).toBe(2);
  });

  it('the same message twice gives the same keys (a resend updates, never duplicates)', async () => {
    const [msg] = edge('adt-a08-repeated-al1-dg1-obx');
    const urls = async () => ((await convert(msg)).bundle.entry ?? []).map((e) => e.request?.url ?? e.request?.ifNoneExist);
    expect(await urls()).toEqual(await urls());
  });
});
