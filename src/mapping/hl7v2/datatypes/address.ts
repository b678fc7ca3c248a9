/**
 * XAD → Address (IG XAD[Address], SAD[Address]; HL7 v2.5.1 §2.A.87 XAD, §2.A.67 SAD).
 *
 * Lines, in the IG's order: XAD.1's subcomponents SAD.1–3 (line 1–3), XAD.2 (line 4), XAD.19
 * addressee (line 5), each only when valued. So `12 Lý Thường Kiệt^Phường 7^Quận 10^Hồ Chí
 * Minh^700000^VNM` gives line ["12 Lý Thường Kiệt", "Phường 7"], city "Quận 10", state "Hồ Chí
 * Minh" — the ward (phường) sits in "other designation" and the district (quận) in "city",
 * which is how Vietnamese senders fill XAD; the converter does not guess further.
 *
 * XAD.7 address type → use or type by the IG's AddressType maps (M, SH → type postal; H, B,
 * O, C, BA, BI → use); HV → the iso21090-AD-use extension. The IG's second XAD.7 extension
 * row (the v2 code as a CodeableConcept) names no extension URL, so it is not produced.
 */
import type { Address, Extension } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { ADDRESS_TYPE, ADDRESS_USE } from './ig-codes.js';
import { componentPeriod } from './datetime.js';
import type { Converter } from './types.js';

const AD_USE_URL = 'http://hl7.org/fhir/StructureDefinition/iso21090-AD-use';
const CENSUS_TRACT_URL = 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-censusTract';

export const address: Converter = (rep, ctx) => {
  const a: Address = {};
  const kind = rep.component(7);
  let extension: Extension[] | undefined = kind === 'HV' ? [{ url: AD_USE_URL, valueCode: 'HV' }] : undefined;
  const censusTract = rep.component(10, 9) || rep.component(10, 2) || rep.component(10, 1); // CWE[string], subcomponents of XAD.10
  if (censusTract !== '') (extension ??= []).push({ url: CENSUS_TRACT_URL, valueString: censusTract });
  if (extension) a.extension = extension;
  if (kind !== '') {
    const use = ADDRESS_USE.get(kind);
    if (use) a.use = use.code as Address['use'];
    const type = ADDRESS_TYPE.get(kind);
    if (type) a.type = type.code as Address['type'];
  }
  const lines = addressLines(rep);
  if (lines) a.line = lines;
  const city = rep.component(3);
  if (city !== '') a.city = city;
  const district = rep.component(9, 9) || rep.component(9, 2) || rep.component(9, 1); // CWE[string]
  if (district !== '') a.district = district;
  const state = rep.component(4);
  if (state !== '') a.state = state;
  const postalCode = rep.component(5);
  if (postalCode !== '') a.postalCode = postalCode;
  const country = rep.component(6);
  if (country !== '') a.country = country;
  if (a.line === undefined && a.city === undefined && a.district === undefined && a.state === undefined && a.postalCode === undefined && a.country === undefined) {
    return undefined; // a type or a period alone is no address
  }
  const period = componentPeriod(rep, 'XAD', 13, 14, 12, ctx);
  if (period) a.period = period;
  return a;
};

function addressLines(rep: Repetition): string[] | undefined {
  let lines: string[] | undefined;
  for (let s = 1; s <= 3; s++) {
    const part = rep.component(1, s);
    if (part !== '') (lines ??= []).push(part);
  }
  const other = rep.component(2);
  if (other !== '') (lines ??= []).push(other);
  const addressee = rep.component(19);
  if (addressee !== '') (lines ??= []).push(addressee);
  return lines;
}
