/**
 * XON → Reference(Organization), the Organization added through ConvertContext.emit
 * (IG XON[Organization]; HL7 v2.5.1 §2.A.87 XON).
 *
 * name XON.1; identifier value XON.10, else XON.3 (the IG's "IF XON-10 NOT VALUED"); XON.6
 * assigning authority → system; XON.7 → type (v2-0203); XON.4/5 → check digit extensions.
 * XON.2 (name type) has no R4 element in the IG row ("extension??"), so it is not mapped.
 * Without an identifier the organization cannot be matched on the server: the element gets a
 * Reference with the name as display, and no resource is emitted.
 */
import type { Identifier, Organization, Reference } from '@medplum/fhirtypes';
import { applyAuthority, checkDigitExtensions, identifierType } from './identifier.js';
import { asRecord } from './json.js';
import type { Converter } from './types.js';

export const organizationFromXon: Converter = (rep, ctx) => {
  const name = rep.component(1);
  const value = (rep.component(10) || rep.component(3)).trim();
  if (value === '') return name === '' ? undefined : ({ display: name } satisfies Reference);
  const identifier: Identifier = {};
  const ext = checkDigitExtensions(rep.component(4), rep.component(5));
  if (ext) identifier.extension = ext;
  const type = identifierType(rep.component(7));
  if (type) identifier.type = type;
  applyAuthority(identifier, rep.component(6, 1), rep.component(6, 2), rep.component(6, 3), ctx);
  identifier.value = value;
  const resource: Organization = { resourceType: 'Organization', identifier: [identifier] };
  if (name !== '') resource.name = name;
  const ref = ctx.emit('Organization', identifier.system === undefined ? { value } : { system: identifier.system, value }, asRecord(resource));
  const display = ref.display ?? (name === '' ? undefined : name);
  return display === undefined ? { reference: ref.reference } : ({ reference: ref.reference, display } satisfies Reference);
};
