/**
 * A destination's words without our data. A FHIR server's OperationOutcome describes the
 * problem, and medibus quotes it in the delivery error (log line, dead-letter header) so an
 * operator sees why; but servers quote what they were sent in it: HAPI FHIR's 412 says
 * `Failed to UPDATE resource with match URL "Patient?identifier=urn%3Aoid%3A…%7CBN2024-004512"
 * because this search matched 2 resources` (HAPI-0958), its validator `Invalid attribute value
 * "Nguyễn"` … Every value of the sent Bundle is cut out of the error's text (as sent and
 * URL-encoded), leaving the server's explanation.
 */
import { DeliveryError } from './delivery-error.js';
import { isMedibusError } from '../errors.js';
import { isRecord } from '../util/objects.js';

/**
 * Keys whose strings are structure, codes or code systems, not anybody's data; a server that
 * quotes them (`Unknown code "xyz" in Patient.gender`) still reads well.
 */
const STRUCTURAL: ReadonlySet<string> = new Set(['resourceType', 'method', 'system', 'fullUrl', 'reference', 'url', 'use', 'status', 'gender', 'code', 'version', 'unit', 'contentType', 'language', 'type', 'intent']);
const CUT = '…';

/** The strings of a JSON value worth hiding, longest first (a name inside a longer text goes with it). */
function sentValues(json: unknown, out = new Set<string>(), key = ''): Set<string> {
  if (typeof json === 'string') {
    if (!STRUCTURAL.has(key) && json.trim().length >= 2) out.add(json.trim());
  } else if (Array.isArray(json)) {
    for (const v of json) sentValues(v, out, key);
  } else if (isRecord(json)) {
    for (const [k, v] of Object.entries(json)) sentValues(v, out, k);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every sent value (and its URL encoding) replaced by `…`; values under 4 characters only as whole words. */
export function withoutSentValues(text: string, sent: Buffer): string {
  let json: unknown;
  try {
    json = JSON.parse(sent.toString('utf8'));
  } catch {
    return text;
  }
  const values = [...sentValues(json)].flatMap((v) => (encodeURIComponent(v) === v ? [v] : [v, encodeURIComponent(v)])).sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) {
    if (!out.includes(v)) continue;
    out = v.length >= 4 ? out.split(v).join(CUT) : out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(v)}(?![\\p{L}\\p{N}])`, 'gu'), CUT);
  }
  return out;
}

/** A delivery failure whose message quotes none of the sent Bundle's values (other errors unchanged). */
export function withoutEcho(error: unknown, sent: Buffer): unknown {
  if (!isMedibusError(error) || !(error instanceof DeliveryError)) return error;
  const message = withoutSentValues(error.message, sent);
  if (message === error.message) return error;
  return new DeliveryError(error.code, message, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}
