/**
 * XTN → ContactPoint (IG XTN[ContactPoint]; HL7 v2.5.1 §2.A.89 XTN).
 *
 * system: XTN.3 by the IG's TelecommunicationEquipmentType map (PH phone, FX fax, CP mobile
 *   phone, BP pager, Internet / X.400 email, MD SAT TDD TTY other). Its CP row targets
 *   ContactPoint.use (`mobile`), so CP gives system `phone` and use `mobile`, and `mobile`
 *   wins over XTN.2 (PRN + CP is the patient's mobile phone). Without XTN.3: `email` when
 *   XTN.4 is valued, else the IG's data-absent-reason `unknown` on `system` (XTN.3 became
 *   required only in v2.7, so older senders often leave it out).
 * use: XTN.2 by the TelecommunicationUseCode map (PRN home, WPN work, PRS mobile; other codes
 *   have no FHIR use and leave it unset).
 * value: email → XTN.4; otherwise, by the IG rows' precedence, XTN.12 (unformatted), else the
 *   number assembled from XTN.5–8 (`+84 28 38123456 X12`) when XTN.7 is valued, else XTN.1
 *   (the pre-v2.3 formatted number, `(216)123-4567`). XTN.5–8 also go to the contactpoint-*
 *   extensions. XTN.13/14 → period, XTN.18 → rank (a positiveInt: 0 is skipped).
 */
import type { ContactPoint, Extension } from '@medplum/fhirtypes';
import { TELECOM_EQUIPMENT, TELECOM_USE } from './ig-codes.js';
import { componentPeriod } from './datetime.js';
import type { Converter } from './types.js';

const CONTACT_POINT_USE = 'http://hl7.org/fhir/contact-point-use';
const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
const PHONE_PARTS = [
  [5, 'http://hl7.org/fhir/StructureDefinition/contactpoint-country'],
  [6, 'http://hl7.org/fhir/StructureDefinition/contactpoint-area'],
  [7, 'http://hl7.org/fhir/StructureDefinition/contactpoint-local'],
  [8, 'http://hl7.org/fhir/StructureDefinition/contactpoint-extension'],
] as const;
const RANK = /^\d+$/;

/** ContactPoint with the `_system` holder for data-absent-reason, which @medplum/fhirtypes does not declare. */
type ContactPointJson = ContactPoint & { _system?: { extension: Extension[] } };

export const contactPoint: Converter = (rep, ctx) => {
  const equipment = rep.component(3);
  const email = rep.component(4);
  const isEmail = equipment === 'Internet' || equipment === 'X.400' || (equipment === '' && email !== '');
  const cp: ContactPointJson = {};
  let extension: Extension[] | undefined;
  let value: string;
  if (isEmail) {
    value = email || rep.component(1); // some senders put the address in XTN.1, as before v2.3
  } else {
    for (const [c, url] of PHONE_PARTS) {
      const part = rep.component(c);
      if (part !== '') (extension ??= []).push({ url, valueString: part });
    }
    value = rep.component(12) || assembled(rep.component(5), rep.component(6), rep.component(7), rep.component(8)) || rep.component(1);
  }
  if (value === '') return undefined;
  if (extension) cp.extension = extension;

  let use = TELECOM_USE.get(rep.component(2))?.code;
  if (isEmail) cp.system = 'email';
  else if (equipment === '') cp._system = { extension: [{ url: DATA_ABSENT_REASON, valueCode: 'unknown' }] };
  else {
    const mapped = TELECOM_EQUIPMENT.get(equipment);
    if (mapped?.system === CONTACT_POINT_USE) {
      cp.system = 'phone';
      use = mapped.code;
    } else if (mapped) cp.system = mapped.code as ContactPoint['system'];
    else {
      ctx.warn('XTN.3: telecommunication equipment type not in HL7 table 0202; system set to other');
      cp.system = 'other';
    }
  }
  cp.value = value;
  if (use !== undefined) cp.use = use as ContactPoint['use'];
  const rank = rep.component(18);
  if (RANK.test(rank) && Number(rank) > 0) cp.rank = Number(rank);
  const period = componentPeriod(rep, 'XTN', 13, 14, 0, ctx);
  if (period) cp.period = period;
  return cp;
};

/** IG XTN.7 rows: [+XTN.5 ]XTN.6 XTN.7[ XXTN.8]; the rows need XTN.6, a local number alone is kept too. */
function assembled(country: string, area: string, local: string, ext: string): string {
  if (local === '') return '';
  let out = local;
  if (area !== '') out = `${area} ${out}`;
  if (country !== '') out = `${country.startsWith('+') ? '' : '+'}${country} ${out}`;
  if (ext !== '') out = `${out} X${ext}`;
  return out;
}
