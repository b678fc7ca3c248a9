/**
 * Coding system names (CWE.3/6/12, HL7 table 0396) → FHIR code system URIs.
 *
 * The IG's CWE[CodeableConcept] row maps CWE.3 to `coding.system` (a uri) without saying how
 * a name becomes a URI; the URIs here are those of terminology.hl7.org (HL7 Terminology,
 * "external code systems" and the v2 tables). `HLnnnn`/`HL7nnnn` names are the v2 tables:
 * `HL70203` → http://terminology.hl7.org/CodeSystem/v2-0203.
 *
 * Local systems — `L`, `99zzz` (table 0396: "locally defined"), and any name not listed
 * here — are the sender's own: the mapping may name a URI for them (ConvertContext.
 * localCodeSystem), else they become `urn:medibus:local:<name>` (URL-encoded), a URN that
 * says "this code is only meaningful to the system that sent it" without inventing an
 * owner. A hospital that publishes its lab codes should give them a real URI in its mapping.
 */
import type { ConvertContext } from './types.js';

export const LOCAL_SYSTEM_PREFIX = 'urn:medibus:local:';

const KNOWN: ReadonlyMap<string, string> = new Map(Object.entries({
  LN: 'http://loinc.org',
  LOINC: 'http://loinc.org',
  SCT: 'http://snomed.info/sct',
  SNM: 'http://snomed.info/sct',
  SNM3: 'http://snomed.info/sct',
  SNOMED: 'http://snomed.info/sct',
  I10: 'http://hl7.org/fhir/sid/icd-10',
  I10C: 'http://hl7.org/fhir/sid/icd-10-cm',
  ICD10: 'http://hl7.org/fhir/sid/icd-10',
  ICD10CM: 'http://hl7.org/fhir/sid/icd-10-cm',
  I10P: 'http://www.cms.gov/Medicare/Coding/ICD10',
  I9: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
  ICD9: 'http://hl7.org/fhir/sid/icd-9-cm',
  ICDO: 'http://terminology.hl7.org/CodeSystem/icd-o-3',
  ICDO3: 'http://terminology.hl7.org/CodeSystem/icd-o-3',
  UCUM: 'http://unitsofmeasure.org',
  CVX: 'http://hl7.org/fhir/sid/cvx',
  MVX: 'http://terminology.hl7.org/CodeSystem/MVX',
  NDC: 'http://hl7.org/fhir/sid/ndc',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  RXN: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  C4: 'http://www.ama-assn.org/go/cpt',
  CPT: 'http://www.ama-assn.org/go/cpt',
  CPT4: 'http://www.ama-assn.org/go/cpt',
  HCPCS: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  NCIT: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
  NUCCPID: 'http://nucc.org/provider-taxonomy',
  ATC: 'http://www.whocc.no/atc',
  ISO3166_1: 'urn:iso:std:iso:3166',
  ISO639: 'urn:ietf:bcp:47',
  CDCREC: 'urn:oid:2.16.840.1.113883.6.238',
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
}));

/** `HL70203`, `HL7203`, `HL7-0203` → 0203 (a v2 table number). */
const V2_TABLE = /^HL7-?(\d{1,4})$/i;
/** A name that is already a URI (`urn:oid:…`, `http://…`). */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/** name → URI, '' for "not known"; names per sender are few, so this stays small. */
const cache = new Map<string, string>();
const MAX_CACHE = 4096;

/** The URI of a well-known coding system name, or undefined (the name is local or unknown). */
export function knownCodingSystem(name: string): string | undefined {
  let uri = cache.get(name);
  if (uri === undefined) {
    uri = KNOWN.get(name) ?? KNOWN.get(name.toUpperCase());
    if (uri === undefined) {
      const table = V2_TABLE.exec(name);
      uri = table ? `http://terminology.hl7.org/CodeSystem/v2-${table[1].padStart(4, '0')}` : URI.test(name) ? name : '';
    }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(name, uri);
  }
  return uri === '' ? undefined : uri;
}

/** The `coding.system` for a CWE.3-style name: known URI, else the mapping's local URI, else urn:medibus:local:<name>. */
export function codingSystemUri(name: string, ctx: ConvertContext): string | undefined {
  if (name === '') return undefined;
  return knownCodingSystem(name) ?? ctx.localCodeSystem?.(name) ?? localSystem(name);
}

const locals = new Map<string, string>();

/** `urn:medibus:local:<name>`, the default URI of a local coding system. */
export function localSystem(name: string): string {
  let uri = locals.get(name);
  if (uri === undefined) {
    uri = LOCAL_SYSTEM_PREFIX + encodeURIComponent(name);
    if (locals.size >= MAX_CACHE) locals.clear();
    locals.set(name, uri);
  }
  return uri;
}
