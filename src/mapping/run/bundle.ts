/**
 * The transaction Bundle (FHIR R4 §3.1.0.11 "Transactions"): derived Practitioner/Organization/
 * Location entries first, then the mapping's resources in rule order, each with a
 * deterministic `urn:uuid:` fullUrl and a conditional request on its business key:
 *  - upsert: `PUT Type?identifier=<system>|<value>` (conditional update: created when absent,
 *    replaced when present — a resent message changes nothing);
 *  - create: `POST Type` with `ifNoneExist: identifier=<system>|<value>` (conditional create:
 *    an existing resource is referenced as it is).
 * Bundle.identifier is the message (sender + MSH-10), so a resend is recognisable downstream;
 * Bundle.timestamp is MSH-7 (IG MSH[Bundle]).
 */
import type { Bundle, BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';
import { hdText } from '../../hl7/header.js';
import type { Converter } from '../hl7v2/datatypes/types.js';
import { escapeSearchValue } from '../fhir/identifiers.js';
import type { Entry, Run } from './context.js';

export const MESSAGE_PREFIX = 'urn:medibus:message:';

/** Puts the key identifier into the resource's `identifier` (the conditional request searches on it). */
export function addKeyIdentifier(resource: Record<string, unknown>, entry: Entry, isList: boolean): void {
  const key: Identifier = { system: entry.system, value: entry.value };
  if (!isList) {
    resource['identifier'] = key;
    return;
  }
  const list = resource['identifier'];
  if (!Array.isArray(list)) {
    resource['identifier'] = [key];
    return;
  }
  for (const item of list as Identifier[]) {
    if (item.value !== entry.value) continue;
    if (item.system === entry.system) return;
    if (item.system === undefined) {
      // the same identifier, read without a system: it gets the key's, so search and data agree
      item.system = entry.system;
      return;
    }
  }
  list.push(key);
}

export function toBundleEntry(entry: Entry, systems: Map<string, string>): BundleEntry {
  // systems repeat (30 observations, one system): escape each once per message
  let system = systems.get(entry.system);
  if (system === undefined) {
    system = escapeSearchValue(entry.system);
    systems.set(entry.system, system);
  }
  const query = `identifier=${system}|${escapeSearchValue(entry.value)}`;
  return {
    fullUrl: entry.fullUrl,
    resource: entry.resource as unknown as Resource,
    request: entry.mode === 'upsert' ? { method: 'PUT', url: `${entry.type}?${query}` } : { method: 'POST', url: entry.type, ifNoneExist: query },
  };
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MINUTES = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/;

export function assembleBundle(run: Run, entries: readonly Entry[], timestamp: Converter | undefined): Bundle {
  const msh = run.tree.message.msh;
  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction' };
  const controlId = msh.field(10).value;
  if (controlId !== '') {
    const sender = `${encodeURIComponent(hdText(msh, 3))}:${encodeURIComponent(hdText(msh, 4))}`;
    bundle.identifier = { system: MESSAGE_PREFIX + sender, value: controlId };
  }
  const instant = timestamp === undefined ? undefined : messageInstant(run, timestamp);
  if (instant !== undefined) bundle.timestamp = instant;
  const systems = new Map<string, string>();
  bundle.entry = entries.map((e) => toBundleEntry(e, systems));
  return bundle;
}

/** MSH-7 as an instant, which needs seconds and an offset (the IG notes MSH-7 may lack both). */
function messageInstant(run: Run, convert: Converter): string | undefined {
  const msh = run.tree.message.msh;
  const rep = msh.field(7).repetition(1);
  if (rep.isEmpty || rep.isNull) return undefined;
  run.at(msh, 7);
  let value: unknown;
  try {
    value = convert(rep, run);
  } catch {
    value = undefined;
  }
  if (typeof value === 'string') {
    if (INSTANT.test(value)) return value;
    const minutes = MINUTES.exec(value);
    if (minutes) return `${minutes[1]}:00${minutes[2]}`;
  }
  run.warn(`"${rep.raw}" is not a time to the second or minute; Bundle.timestamp is left out`);
  return undefined;
}
