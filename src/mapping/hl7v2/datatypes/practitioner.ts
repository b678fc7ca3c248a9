/**
 * XCN / CNN → Reference(Practitioner), the Practitioner added to the bundle through
 * ConvertContext.emit (IG XCN[Practitioner], CNN[Practitioner]; HL7 v2.5.1 §2.A.89 XCN,
 * §2.A.8 CNN). The runtime keeps one Practitioner per key however many fields name it.
 *
 * - identifier: XCN.1 value, XCN.9 assigning authority → system, XCN.11/12 check digit
 *   extensions, XCN.13 type. It is also the emit key.
 * - name: XCN.2–6, 10, 17–21 (name.ts). XCN.7 (degree, table 0360) → qualification.code, as
 *   the IG's XCN[Practitioner] row says; for CNN the IG puts the degree in name.suffix.
 * - A name without XCN.1 cannot be matched on the server: no resource is emitted, the element
 *   gets a Reference with the name as display only (valid FHIR, and nothing is invented).
 */
import type { Identifier, Practitioner, Reference } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { DEGREE } from './ig-codes.js';
import { applyAuthority, checkDigitExtensions, identifierType } from './identifier.js';
import { buildName, CNN_LAYOUT, nameText, XCN_LAYOUT, type NameLayout } from './name.js';
import { asRecord } from './json.js';
import type { Converter, ConvertContext } from './types.js';

const V2_0360 = 'http://terminology.hl7.org/CodeSystem/v2-0360';

/** Where XCN and CNN keep the identifier parts (the HD is one component in XCN, three in CNN). */
interface IdLayout {
  readonly authority: number;
  /** the HD's parts are subcomponents of `authority` (XCN.9) rather than components from it on (CNN.9–11) */
  readonly authorityIsHd: boolean;
  readonly checkDigit: number;
  readonly scheme: number;
  readonly type: number;
}

const XCN_IDS: IdLayout = { authority: 9, authorityIsHd: true, checkDigit: 11, scheme: 12, type: 13 };
const CNN_IDS: IdLayout = { authority: 9, authorityIsHd: false, checkDigit: 0, scheme: 0, type: 0 };

function practitionerReference(rep: Repetition, ctx: ConvertContext, names: NameLayout, ids: IdLayout, degree: boolean): Reference | undefined {
  const name = buildName(rep, names, ctx);
  const value = rep.component(1).trim();
  if (value === '') return name ? { display: nameText(name) } : undefined;

  const identifier: Identifier = {};
  const ext = ids.checkDigit === 0 ? undefined : checkDigitExtensions(rep.component(ids.checkDigit), rep.component(ids.scheme));
  if (ext) identifier.extension = ext;
  const type = ids.type === 0 ? undefined : identifierType(rep.component(ids.type));
  if (type) identifier.type = type;
  const a = ids.authority;
  if (ids.authorityIsHd) applyAuthority(identifier, rep.component(a, 1), rep.component(a, 2), rep.component(a, 3), ctx);
  else applyAuthority(identifier, rep.component(a), rep.component(a + 1), rep.component(a + 2), ctx);
  identifier.value = value;

  const resource: Practitioner = { resourceType: 'Practitioner', identifier: [identifier] };
  if (name) resource.name = [name];
  if (degree) {
    const qualification = qualificationOf(rep.component(7));
    if (qualification) resource.qualification = [qualification];
  }
  const ref = ctx.emit('Practitioner', identifier.system === undefined ? { value } : { system: identifier.system, value }, asRecord(resource));
  const display = ref.display ?? (name ? nameText(name) : undefined);
  return display ? { reference: ref.reference, display } : { reference: ref.reference };
}

/** XCN.7 → Practitioner.qualification (IG: IS[CodeableConcept] with the DegreeLicenseCertificate map, v2-0360 codes to themselves). */
function qualificationOf(degree: string): NonNullable<Practitioner['qualification']>[number] | undefined {
  if (degree === '') return undefined;
  const known = DEGREE.get(degree);
  return known
    ? { code: { coding: [{ system: V2_0360, code: known.code, ...(known.display ? { display: known.display } : {}) }] } }
    : { code: { text: degree } };
}

export const practitionerFromXcn: Converter = (rep, ctx) => practitionerReference(rep, ctx, XCN_LAYOUT, XCN_IDS, true);
export const practitionerFromCnn: Converter = (rep, ctx) => practitionerReference(rep, ctx, CNN_LAYOUT, CNN_IDS, false);

