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
import { hash } from 'node:crypto';
import { MEDIBUS_NAMESPACE } from '../util/ids.js';

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
    const kind = universalIdType.trim().toUpperCase();
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

const NEEDS_ESCAPE = /[\\|,$%&#+=?\s\u0000-\u001f\u007f-\uffff]/;

/**
 * FHIR search escaping (R4 §3.1.1.4 "Escaping Search Parameters"): `\`, `|`, `,` and `$` in a
 * token's parts are preceded by `\`. Characters that would break the query string itself
 * (`%`, `&`, `#`, `+`, spaces, controls, non-ASCII) are then percent-encoded; the rest stays
 * readable (`urn:oid:1.2.3|MRN001`).
 */
export function escapeSearchValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  const escaped = value.replace(/[\\|,$]/g, (c) => `\\${c}`);
  // `u`: a character outside the BMP is one match, so encodeURIComponent never sees half a surrogate pair
  return escaped.replace(/[%&#+=?\s\u0000-\u001f\u{7f}-\u{10ffff}]/gu, (c) => encodeURIComponent(c));
}

/** `identifier=<system>|<value>`, escaped. */
export function identifierQuery(system: string, value: string): string {
  return `identifier=${escapeSearchValue(system)}|${escapeSearchValue(value)}`;
}

/**
 * `urn:uuid:` + UUID v5 (RFC 9562 §5.5) of `type|system|value` in medibus's namespace: the
 * same as util/ids.ts uuidv5 (a test holds them equal), computed with one-shot crypto.hash,
 * which costs half of createHash — a bundle of 30 observations makes 30 of them.
 */
export function fullUrlOf(type: string, system: string, value: string): string {
  const name = `${type}|${system}|${value}`;
  let input: Buffer;
  if (name.length * 3 <= SCRATCH.length - 16) {
    // one reused buffer (conversion is synchronous): no allocation per resource
    input = SCRATCH.subarray(0, 16 + SCRATCH.write(name, 16, 'utf8'));
  } else {
    input = Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]);
  }
  const h = hash('sha1', input, 'hex');
  // version 5 in the high nibble of byte 6, variant 10xx in the high bits of byte 8
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const NAMESPACE = Buffer.from(MEDIBUS_NAMESPACE.replace(/-/g, ''), 'hex');
const SCRATCH = Buffer.alloc(4096);
NAMESPACE.copy(SCRATCH, 0);
