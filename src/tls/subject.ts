/**
 * Who the peer's certificate says it is, and whether `allowedSubjects` admits it. The
 * subject's attributes come from the certificate's Subject (RFC 5280 §4.1.2.6), the names
 * from its subjectAltName extension (§4.2.1.6); a bare entry matches the CN or a DNS name,
 * because hospital CAs issue both kinds.
 */
import type { PeerCertificate } from 'node:tls';

export interface PeerIdentity {
  /** `CN=lis-01,O=Bach Mai`, for the log */
  readonly subject: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** subjectAltName entries as `DNS:x`, `IP:x`, `URI:x`, `email:x` */
  readonly altNames: readonly string[];
}

const SAN_PREFIX = /^(DNS|IP|URI|email):/i;

/** The identity of a peer certificate (an empty one when the peer sent none). */
export function peerIdentity(cert: PeerCertificate | undefined): PeerIdentity {
  if (cert === undefined || cert.subject === undefined) return { subject: '', attributes: {}, altNames: [] };
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(cert.subject as unknown as Record<string, string | string[]>)) {
    attributes[name] = Array.isArray(value) ? value : [value];
  }
  const subject = Object.entries(attributes)
    .flatMap(([name, values]) => values.map((v) => `${name}=${v}`))
    .join(',');
  return { subject, attributes, altNames: parseAltNames(cert.subjectaltname ?? '') };
}

/**
 * Node writes subjectaltname as `DNS:a, IP Address:1.2.3.4, URI:x`, quoting a value that
 * holds a comma or quote as a JSON string (Node ≥ 17.3, CVE-2021-44533 fix).
 */
export function parseAltNames(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        value = text.slice(colon + 2, end);
      }
      end = text.indexOf(',', end);
    } else {
      end = text.indexOf(',', colon);
      value = text.slice(colon + 1, end < 0 ? undefined : end);
    }
    out.push(`${type === 'IP Address' ? 'IP' : type}:${value.trim()}`);
    if (end < 0) break;
    i = end + 1;
  }
  return out;
}

/** The allowedSubjects entry that admits the peer, or undefined. */
export function matchSubject(peer: PeerIdentity, allowed: readonly string[]): string | undefined {
  return allowed.find((entry) => entryMatches(peer, entry.trim()));
}

function entryMatches(peer: PeerIdentity, entry: string): boolean {
  if (SAN_PREFIX.test(entry)) {
    const colon = entry.indexOf(':');
    const type = entry.slice(0, colon).toLowerCase();
    const value = entry.slice(colon + 1);
    return peer.altNames.some((name) => {
      const c = name.indexOf(':');
      if (name.slice(0, c).toLowerCase() !== type) return false;
      const theirs = name.slice(c + 1);
      // DNS names and mail domains compare without case (RFC 4343); URIs and addresses exactly
      return type === 'dns' || type === 'email' ? theirs.toLowerCase() === value.toLowerCase() : theirs === value;
    });
  }
  if (entry.includes('=')) {
    const wanted = entry.split(',').map((pair) => {
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()] as const;
    });
    return wanted.every(([name, value]) => name !== '' && (attribute(peer, name) ?? []).includes(value));
  }
  const lower = entry.toLowerCase();
  return (attribute(peer, 'CN') ?? []).some((cn) => cn.toLowerCase() === lower) || peer.altNames.some((name) => name.toLowerCase() === `dns:${lower}`);
}

/** attribute values by name, the name compared without case (cn, CN) */
function attribute(peer: PeerIdentity, name: string): readonly string[] | undefined {
  const upper = name.toUpperCase();
  const key = Object.keys(peer.attributes).find((k) => k.toUpperCase() === upper);
  return key === undefined ? undefined : peer.attributes[key];
}
