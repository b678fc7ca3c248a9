/**
 * PL → Reference(Location), one Location added through ConvertContext.emit (IG PL[Location];
 * HL7 v2.5.1 §2.A.53 PL).
 *
 * The IG makes a Location per level (bed, room, floor, point of care, building, facility)
 * chained by partOf. medibus emits one Location for the place as a whole, which is what an
 * Encounter.location or a specimen's collection site needs (partOf is left out by design):
 * - identifier: PL.10 (comprehensive location identifier, an EI in subcomponents) when sent;
 *   else the levels as sent, `PL.1^PL.2^PL.3^PL.4.1^PL.7^PL.8` without trailing empties
 *   (`4E^401^A^CARE_HOSP`), with PL.11 (assigning authority) → system;
 * - name: the levels from largest to smallest, `CARE_HOSP, 4E, 401, A`;
 * - physicalType: the most granular level's code from the IG rows (bd, ro, lvl, bu, si; the
 *   point of care row has no code), mode `instance`, description PL.9.
 */
import type { CodeableConcept, Identifier, Location, Reference } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { applyAuthority } from './identifier.js';
import { asRecord } from './json.js';
import type { Converter } from './types.js';

const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
/** [component, physical type] from most to least granular (the IG's default sequence) */
const GRANULARITY = [
  [3, 'bd'],
  [2, 'ro'],
  [8, 'lvl'],
  [1, ''],
  [7, 'bu'],
  [4, 'si'],
] as const;
/** Name parts from largest to smallest */
const NAME_ORDER = [4, 7, 8, 1, 2, 3] as const;
/** Key parts in v2 order */
const KEY_ORDER = [1, 2, 3, 4, 7, 8] as const;

function level(rep: Repetition, c: number): string {
  return rep.component(c, 1).trim(); // HD-typed levels: the namespace (subcomponent 1)
}

export const locationFromPl: Converter = (rep, ctx) => {
  let name = '';
  for (const c of NAME_ORDER) {
    const part = level(rep, c);
    if (part !== '') name = name === '' ? part : `${name}, ${part}`;
  }
  const description = rep.component(9);
  if (name === '' && description === '') return undefined;

  const identifier: Identifier = {};
  const comprehensive = rep.component(10, 1);
  if (comprehensive !== '') {
    applyAuthority(identifier, rep.component(10, 2), rep.component(10, 3), rep.component(10, 4), ctx);
    identifier.value = comprehensive;
  } else {
    applyAuthority(identifier, rep.component(11, 1), rep.component(11, 2), rep.component(11, 3), ctx);
    identifier.value = compositeKey(rep);
  }
  if (identifier.value === '') return { display: description } satisfies Reference;

  const resource: Location = { resourceType: 'Location', identifier: [identifier], mode: 'instance' };
  if (name !== '') resource.name = name;
  if (description !== '') resource.description = description;
  const type = physicalType(rep);
  if (type) resource.physicalType = type;
  const value = identifier.value;
  const ref = ctx.emit('Location', identifier.system === undefined ? { value } : { system: identifier.system, value }, asRecord(resource));
  const display = ref.display ?? (name || description);
  return { reference: ref.reference, display } satisfies Reference;
};

/** The levels in v2 order, positional (`^401^A` when there is no point of care), trailing empties dropped. */
function compositeKey(rep: Repetition): string {
  const parts = KEY_ORDER.map((c) => level(rep, c));
  let last = parts.length - 1;
  while (last >= 0 && parts[last] === '') last--;
  return parts.slice(0, last + 1).join('^');
}

function physicalType(rep: Repetition): CodeableConcept | undefined {
  for (const [c, code] of GRANULARITY) {
    if (level(rep, c) === '') continue;
    return code === '' ? undefined : { coding: [{ system: PHYSICAL_TYPE, code }] };
  }
  return undefined;
}
