/**
 * CX / EI / HD → Identifier and system URIs (IG CX[Identifier], EI[Identifier-System],
 * HD[uri]; HL7 v2.5.1 §2.A.14 CX, §2.A.24 EI, §2.A.36 HD).
 *
 * The assigning authority (CX.4, EI.2–4, XCN.9 …) is an HD; the mapping runtime turns it into
 * a system URI (ConvertContext.identifierSystem: OIDs, UUIDs, URIs, the mapping's
 * `identifierSystems` table). When it cannot, the IG says the authority is then an
 * organization (`assigner`); rather than invent an Organization resource per namespace,
 * medibus keeps the namespace as `assigner.display`, so the information is not lost and a
 * mapping author sees what to add to `identifierSystems`.
 */
import type { CodeableConcept, Extension, Identifier, Reference } from '@medplum/fhirtypes';
import { IDENTIFIER_TYPE } from './ig-codes.js';
import { toDate } from './datetime.js';
import type { Converter, ConvertContext } from './types.js';

const CHECK_DIGIT_URL = 'http://hl7.org/fhir/StructureDefinition/identifier-checkDigit';
const CHECK_DIGIT_SCHEME_URL = 'http://hl7.org/fhir/StructureDefinition/namingsystem-checkDigit';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const WHITESPACE = /\s/;

/**
 * Sets `system` (or, failing that, `assigner.display`) on an identifier from an HD. The IG's
 * HD[uri] fallbacks apply when the runtime knows nothing: `urn:oid:`/`urn:uuid:` for ISO and
 * UUID universal ids; a namespace is not a URI, so it goes to the assigner.
 */
export function applyAuthority(identifier: Identifier, ns: string, uid: string, uidType: string, ctx: ConvertContext): void {
  if (ns === '' && uid === '') return;
  const system = ctx.identifierSystem(ns, uid, uidType) ?? hdUri(ns, uid, uidType, false);
  if (system !== undefined) identifier.system = system;
  else identifier.assigner = { display: ns || uid } satisfies Reference;
}

/**
 * IG HD[uri] rows for a universal id: ISO → urn:oid:, UUID → urn:uuid:, other types the id
 * itself when it is a URI. `namespaceAsUri`: the IG's HD.1 row (the namespace as the value),
 * used for a field of type HD mapped to a uri, not for identifier systems.
 */
function hdUri(ns: string, uid: string, uidType: string, namespaceAsUri: boolean): string | undefined {
  if (namespaceAsUri && ns !== '' && !WHITESPACE.test(ns)) return ns;
  if (uid === '' || WHITESPACE.test(uid)) return undefined;
  if (uidType === 'ISO') return `urn:oid:${uid}`;
  if (uidType === 'UUID') return `urn:uuid:${uid}`;
  return uid.includes(':') ? uid : undefined;
}

/** Identifier.type from a v2 table 0203 code (IG IdentifierType map: each code to itself in v2-0203). */
export function identifierType(code: string): CodeableConcept | undefined {
  if (code === '') return undefined;
  const known = IDENTIFIER_TYPE.get(code);
  // a code outside table 0203 (a local "MRN") is not a v2-0203 coding; it is kept as text
  return known ? { coding: [{ system: V2_0203, code: known.code, ...(known.display ? { display: known.display } : {}) }] } : { text: code };
}

/** IG CX[Identifier] rows 2–3 (also XCN.11/12, XON.4/5): check digit and its scheme. */
export function checkDigitExtensions(digit: string, scheme: string): Extension[] | undefined {
  if (digit === '' && scheme === '') return undefined;
  const out: Extension[] = [];
  if (digit !== '') out.push({ url: CHECK_DIGIT_URL, valueString: digit });
  if (scheme !== '') out.push({ url: CHECK_DIGIT_SCHEME_URL, valueString: scheme });
  return out;
}

/**
 * An identifier's value as sent, without the padding some senders add; '' when blank. A value
 * of spaces (PV1-50 `" "`) is no identifier: FHIR strings need non-whitespace content, and a
 * blank could never be searched on.
 */
function idValue(text: string): string {
  return text.trim();
}

/** CX → Identifier. CX.1 is required (v2.5.1): without it there is no identifier. */
export const identifierFromCx: Converter = (rep, ctx) => {
  const value = idValue(rep.component(1));
  if (value === '') return undefined;
  const id: Identifier = {};
  const ext = checkDigitExtensions(rep.component(2), rep.component(3));
  if (ext) id.extension = ext;
  const type = identifierType(rep.component(5));
  if (type) id.type = type;
  applyAuthority(id, rep.component(4, 1), rep.component(4, 2), rep.component(4, 3), ctx);
  id.value = value;
  // CX.7/8 are DT: period.start/end (dateTime in the IG row; a date is a valid dateTime)
  const start = toDate(rep.component(7), ctx, 'CX.7');
  const end = toDate(rep.component(8), ctx, 'CX.8');
  if (start !== undefined || end !== undefined) id.period = start === undefined ? { end } : end === undefined ? { start } : { start, end };
  return id;
};

/** EI → Identifier: EI.1 value; EI.2–4 (an HD spread over components) → system. */
export const identifierFromEi: Converter = (rep, ctx) => {
  const value = idValue(rep.component(1));
  if (value === '') return undefined;
  const id: Identifier = {};
  applyAuthority(id, rep.component(2), rep.component(3), rep.component(4), ctx);
  id.value = value;
  return id;
};

/** HD → Identifier (IG HD[Identifier]): the namespace, else the universal id, as the value. */
export const identifierFromHd: Converter = (rep) => {
  const value = idValue(rep.component(1)) || idValue(rep.component(2));
  return value === '' ? undefined : ({ value } satisfies Identifier);
};

/** ST → Identifier (IG ST[Identifier]): the text as the value. */
export const identifierFromSt: Converter = (rep) => {
  const value = idValue(rep.component(1));
  return value === '' ? undefined : ({ value } satisfies Identifier);
};

/** HD → uri (IG HD[uri]): what the runtime resolves, else the IG's rows; a namespace with spaces is no URI. */
export const uriFromHd: Converter = (rep, ctx) => {
  const ns = rep.component(1);
  const uid = rep.component(2);
  const type = rep.component(3);
  if (ns === '' && uid === '') return undefined;
  const uri = ctx.identifierSystem(ns, uid, type) ?? hdUri(ns, uid, type, true);
  if (uri === undefined) ctx.warn('HD: no URI for this assigning authority; add it to the mapping\'s identifierSystems');
  return uri;
};
