/**
 * Identifier systems and the conditional requests built on them.
 *
 * A conditional update on `identifier=<system>|<value>` only deduplicates if every message
 * names the same patient with the same system, so systems are resolved deterministically:
 *
 *  1. the mapping's `identifierSystems`, by namespace (CX.4.1 / EI.2) or universal id: what
 *     the hospital configured wins over what a sender happens to send;
 *  2. the universal id of the assigning authority (CX.4.2–3, EI.3–4; HL7 table 0301):
 *     ISO → `urn:oid:…`, UUID → `urn:uuid:…`, URI/URL → itself (v2-to-FHIR IG, HD[Identifier]);
 *  3. a namespace alone → `urn:medibus:authority:<namespace>`. Deliberately not qualified by
 *     the sending facility: the ADT feed and the lab feed name the hospital's MRN authority the
 *     same way, and must land on the same Patient;
 *  4. nothing at all (a key whose identifier has no authority, or a composite key without
 *     `system:`) → `urn:medibus:facility:<MSH-4 or MSH-3>:<ResourceType>`: the value is only
 *     known to be unique within what that sender produces of that type.
 * Namespaces and facilities are percent-encoded, so the result is a valid URI.
 *
 * Also here: the search escaping of the conditional URL, and the entry fullUrl derived from
 * the key.
 */
import { formatWords, nameHash3 } from '../../util/ids.js';
import { upperCase } from '../../util/text.js';

export const AUTHORITY_PREFIX = 'urn:medibus:authority:';
export const FACILITY_PREFIX = 'urn:medibus:facility:';

export function resolveIdentifierSystem(
  configured: ReadonlyMap<string, string>,
  namespace: string,
  universalId: string,
  universalIdType: string,
): string | undefined {
  const ns = namespace.trim();
  const uid = universalId.trim();
  const byConfig = (ns !== '' ? configured.get(ns) : undefined) ?? (uid !== '' ? configured.get(uid) : undefined);
  if (byConfig !== undefined) return byConfig;
  if (uid !== '') {
    const kind = upperCase(universalIdType.trim());
    if (kind === 'ISO' || (kind === '' && /^[0-2](\.(0|[1-9][0-9]*))+$/.test(uid))) return uid.startsWith('urn:oid:') ? uid : `urn:oid:${uid}`;
    if (kind === 'UUID') return uid.startsWith('urn:uuid:') ? uid : `urn:uuid:${uid.toLowerCase()}`;
    if (kind === 'URI' || kind === 'URL' || /^[a-z][a-z0-9+.-]*:/i.test(uid)) return uid;
  }
  if (ns !== '') return AUTHORITY_PREFIX + encodeURIComponent(ns);
  return undefined;
}

/** The system of a key that has none: the sender (MSH-4.1, else MSH-3.1) and the resource type. */
export function facilitySystem(facility: string, resourceType: string): string {
  return `${FACILITY_PREFIX}${encodeURIComponent(facility === '' ? 'unknown' : facility)}:${resourceType}`;
}

/**
 * FHIR search escaping (R4 §3.1.1.4 "Escaping Search Parameters"): `\`, `|`, `,` and `$` in a
 * token's parts are preceded by `\`. Characters that would break the query string itself
 * (`%`, `&`, `#`, `+`, spaces, controls, non-ASCII) are then percent-encoded; the rest stays
 * readable (`urn:oid:1.2.3|MRN001`).
 */
export function escapeSearchValue(value: string): string {
  if (!needsEscape(value)) return value;
  const escaped = value.replace(/[\\|,$]/g, (c) => `\\${c}`);
  // `u`: a character outside the BMP is one match, so encodeURIComponent never sees half a surrogate pair
  return escaped.replace(/[%&#+=?\s\u0000-\u001f\u{7f}-\u{10ffff}]/gu, (c) => encodeURIComponent(c));
}

/**
 * Whether a value holds anything escapeSearchValue changes: one of `\|,$%&#+=?`, white space,
 * a control or a non-ASCII character. A loop over the codes: every key of every entry goes
 * through here, and most need nothing.
 */
function needsEscape(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || ESCAPED_ASCII[c] === 1) return true;
  }
  return false;
}

/** 1 for the printable ASCII characters escapeSearchValue changes */
const ESCAPED_ASCII = new Uint8Array(128);
for (const c of '\\|,$%&#+=?') ESCAPED_ASCII[c.charCodeAt(0)] = 1;

/** `identifier=<system>|<value>`, escaped. */
export function identifierQuery(system: string, value: string): string {
  return `identifier=${escapeSearchValue(system)}|${escapeSearchValue(value)}`;
}

/** The fullUrl of a key, and a number that tells keys apart cheaply (see keyId). */
export interface KeyId {
  /** `urn:uuid:` + a name-based UUID of `type|system|value` (util/ids.ts nameUuid) */
  readonly fullUrl: string;
  /**
   * 53 bits of the same hash, as a number: a Map keyed on it costs a fraction of one keyed on
   * the fullUrl text (a fresh string is hashed on every lookup). Different slots are different
   * keys; equal slots must still be compared as keys, the hash not being cryptographic.
   */
  readonly slot: number;
}

/**
 * The entry fullUrl of a key: `urn:uuid:` + a UUID version 8 of `type|system|value`
 * (nameUuid: MurmurHash3 x86_128 of the UTF-8 text), so the same message always gives the
 * same bundle. A bundle of 30 observations makes 30 of them; SHA-1 (UUID v5) cost ten times
 * as much.
 */
export function keyId(type: string, system: string, value: string): KeyId {
  nameHash3(type, system, value, WORDS);
  return { fullUrl: formatWords(WORDS, 'urn:uuid:'), slot: (WORDS[0] as number) * 2097152 + ((WORDS[1] as number) >>> 11) };
}

const WORDS = new Uint32Array(4);
